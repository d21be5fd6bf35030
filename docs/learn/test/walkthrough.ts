import { TOOLS, type Tool } from '@wsrelay/test-kit/tools'
import { chapterFiles, codeBlocks } from './markdown.js'
import { startDevDemo, type DevDemo } from './dev-demo.js'
import { ShellSession } from './shell-session.js'
import {
  BlockError,
  commandsOf,
  matchesOutput,
  runBlockIn,
  runElsewhere,
  type PortMap,
  type RunMode,
} from './shell-runner.js'

/** Every chapter, in order (the README is the table of contents). */
const allChapters = (): string[] =>
  chapterFiles().filter((c) => c !== 'README.md')

const isTool = (word: string): word is Tool => Object.hasOwn(TOOLS, word)

/**
 * The outside programs `chapters` run in `mode`, read from their commands
 * (only those a runner types): each command's programs, and g++ and make for
 * anything with the C++ example, which chapter 8 builds with make (CMake's
 * default generator runs make too) and chapter 9 runs.
 */
export function toolsOf(
  mode: RunMode,
  chapters: readonly string[] = allChapters(),
): Tool[] {
  const tools = new Set<Tool>()
  for (const chapter of chapters)
    for (const block of codeBlocks(chapter).filter((b) => b.lang === 'sh'))
      for (const command of commandsOf(block.content)) {
        if (runElsewhere(command, mode) !== undefined) continue
        for (const part of command.split(/&&|\|\||[;|]/)) {
          // The program: the first word after any NAME=value assignments.
          const program = part
            .trim()
            .split(/\s+/)
            .find((w) => !/^\w+=/.test(w))
          if (program !== undefined && isTool(program)) tools.add(program)
        }
        if (command.includes('examples/cpp-echo-server'))
          for (const tool of ['g++', 'make'] as const) tools.add(tool)
      }
  return [...tools].sort()
}

/** What a walk through the whole text did. */
export interface WalkSummary {
  readonly chapters: number
  readonly blocks: number
  readonly commands: number
  readonly seconds: number
  /** Jobs the text left running at its end (it should stop them all), as `jobs -l` lists them. */
  readonly leftRunning: string
}

/**
 * The walkthrough as a reader follows it: every `sh` block of the chapters,
 * in order, in one shell. Jobs stay up until the text stops them, the ports
 * are the text's (or `ports`' stand-ins), nothing is cleaned between blocks.
 * With `withDev`, `pnpm dev` from chapter 1 is started and left running, as
 * by a reader who kept the demo open in another terminal.
 */
export async function walkThrough(options: {
  ports: PortMap
  mode: RunMode
  /** Default: every chapter, from the first. */
  chapters?: readonly string[]
  withDev?: boolean
}): Promise<WalkSummary> {
  const started = Date.now()
  const session = new ShellSession()
  let dev: DevDemo | undefined
  const chapters = options.chapters ?? allChapters()
  let blocks = 0
  let commands = 0
  let leftRunning = ''
  try {
    for (const chapter of chapters) {
      for (const block of codeBlocks(chapter).filter((b) => b.lang === 'sh')) {
        const where = `${chapter}:${block.line}`
        const run = await runBlockIn(
          session,
          block.content,
          options.ports,
          options.mode,
          async (command) => {
            if (options.withDev && /(^|&&\s*)pnpm dev\b/.test(command) && !dev)
              dev = await startDevDemo(options.ports)
          },
        ).catch((err: unknown) => {
          throw err instanceof BlockError
            ? new BlockError(`${where}: ${err.message}`)
            : err
        })
        blocks++
        commands += run.ran.length
        if (
          block.output !== undefined &&
          !matchesOutput(block.output, run.stdout)
        )
          throw new BlockError(
            `${where} does not print what the chapter shows.\nexpected:\n${block.output}\ngot:\n${run.stdout}\nThe terminal meanwhile:\n${run.terminal}`,
          )
      }
    }
    leftRunning = await session.jobList()
  } finally {
    await session.close()
    await dev?.stop()
  }
  return {
    chapters: chapters.length,
    blocks,
    commands,
    seconds: Math.round((Date.now() - started) / 1000),
    leftRunning,
  }
}
