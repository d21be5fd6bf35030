import { lacks } from '@wsrelay/test-kit/tools'
import { describe, expect, it } from 'vitest'
import { assertBuilt } from './processes.js'
import { PortMap } from './shell-runner.js'
import { toolsOf, walkThrough } from './walkthrough.js'

/**
 * The text's own ports by default (5000, 5173, 7000, 8080, 8081). Where those
 * are taken, LEARN_PORT_BASE=N uses N to N+4 in their place, everywhere:
 * commands, outputs and `pnpm dev`'s ECHO_PORT, CONSOLE_PORT and RELAY_PORT.
 */
const base = process.env.LEARN_PORT_BASE
const ports =
  base === undefined ? PortMap.documented() : PortMap.fromBase(Number(base))

/** The outside programs the text runs (curl, make, g++…). */
const TOOLS = toolsOf('in-order')

/** Chapter 1's build and chapter 11's measurement are the long parts. */
const WALK_TIMEOUT_MS = 20 * 60_000

describe('the walkthrough, typed in order in one terminal', () => {
  it.skipIf(lacks(TOOLS, 'the walkthrough in order')).for([
    ['from chapter 1 to the end', false],
    ["with chapter 1's pnpm dev still running", true],
  ] as const)('%s', { timeout: WALK_TIMEOUT_MS }, async ([what, withDev]) => {
    assertBuilt()
    const summary = await walkThrough({ ports, mode: 'in-order', withDev })
    console.log(
      `walkthrough in order (${what}): ${summary.chapters} chapters, ${summary.blocks} blocks, ${summary.commands} commands, ${summary.seconds} s`,
    )
    expect(
      summary.leftRunning,
      'jobs still running at the end: the text must stop every server it starts',
    ).toBe('')
  })
})
