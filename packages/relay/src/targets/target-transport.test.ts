import type { OpenMessage } from '@wsrelay/protocol'
import { describe, expect, it } from 'vitest'
import { parseAllowRule } from './allow-rules.js'
import { parseTargetAddress } from './target-address.js'
import type { Resolver } from './resolver.js'
import {
  targetForOpen as selectForOpen,
  targetForPath,
  type TargetConfig,
} from './target-selection.js'

const config = (over: Partial<TargetConfig> = {}): TargetConfig => ({
  target: undefined,
  route: new Map([
    ['echo', parseTargetAddress('127.0.0.1:5000')],
    ['game', parseTargetAddress('udp:127.0.0.1:27015')],
  ]),
  allow: ['*:7000', 'udp:*:27015'].map(parseAllowRule),
  noClientNames: false,
  hostRanges: () => [],
  ...over,
})

/** A resolver that answers every name with `address`; no DNS is asked. */
const resolvingTo = (address: string): Resolver => ({
  resolve: () => Promise.resolve([{ address, family: 4 }]),
})

/** `targetForOpen` with every name resolving to `address` (a public one by default). */
const targetForOpen = (
  c: TargetConfig,
  message: OpenMessage,
  path: string,
  address = '93.184.216.34',
) =>
  selectForOpen(
    c,
    message,
    path,
    resolvingTo(address),
    new AbortController().signal,
  )

const open = (message: {
  host?: string
  port?: number
  route?: string
  transport?: 'tcp' | 'udp'
}): OpenMessage => ({ type: 'open', ...message })

describe('target selection by transport', () => {
  it('opens a client-chosen UDP target only through a udp: rule, and a TCP one only through a TCP rule', async () => {
    const c = config()
    expect(
      await targetForOpen(
        c,
        open({ host: 'game.example', port: 27015, transport: 'udp' }),
        '/',
      ),
    ).toEqual({
      ok: true,
      target: {
        host: 'game.example',
        port: 27015,
        transport: 'udp',
        connectTo: '93.184.216.34',
        isClientChosen: true,
      },
    })
    // The UDP rule's port over TCP, and the TCP rule's port over UDP: refused.
    expect(
      await targetForOpen(c, open({ host: 'game.example', port: 27015 }), '/'),
    ).toEqual({
      ok: false,
      refusal: 'targetNotAllowed',
      reason: 'Target game.example:27015 is not allowed by this relay.',
    })
    expect(
      await targetForOpen(
        c,
        open({ host: 'game.example', port: 7000, transport: 'udp' }),
        '/',
      ),
    ).toEqual({
      ok: false,
      refusal: 'targetNotAllowed',
      reason: 'UDP target game.example:7000 is not allowed by this relay.',
    })
  })

  it('says when no rule opens the transport asked for at all', async () => {
    const tcpOnly = config({ allow: [parseAllowRule('*:27015')] })
    expect(
      await targetForOpen(
        tcpOnly,
        open({ host: 'game.example', port: 27015, transport: 'udp' }),
        '/',
      ),
    ).toMatchObject({
      ok: false,
      reason: 'This relay does not allow client-chosen UDP targets.',
    })
  })

  it('keeps special ranges shut for UDP as for TCP unless a rule names them', async () => {
    expect(
      await targetForOpen(
        config(),
        open({ host: 'localhost', port: 27015, transport: 'udp' }),
        '/',
        '127.0.0.1',
      ),
    ).toMatchObject({ ok: false, refusal: 'targetNotAllowed' })
    const named = config({
      allow: [parseAllowRule('udp:127.0.0.1/32:27015')],
    })
    expect(
      await targetForOpen(
        named,
        open({ host: 'localhost', port: 27015, transport: 'udp' }),
        '/',
        '127.0.0.1',
      ),
    ).toMatchObject({
      ok: true,
      target: { connectTo: '127.0.0.1', transport: 'udp' },
    })
  })

  it('gives a route its own transport, and refuses an open whose transport differs', async () => {
    const c = config()
    expect(targetForPath(c, '/game')).toMatchObject({
      ok: true,
      target: { route: 'game', transport: 'udp' },
    })
    expect(
      await targetForOpen(c, open({ route: 'game', transport: 'udp' }), '/'),
    ).toMatchObject({ ok: true, target: { route: 'game' } })
    expect(
      await targetForOpen(c, open({ route: 'game', transport: 'tcp' }), '/'),
    ).toEqual({
      ok: false,
      refusal: 'targetNotAllowed',
      reason: 'Route "game" is UDP, not TCP.',
    })
    expect(
      await targetForOpen(c, open({ route: 'echo', transport: 'udp' }), '/'),
    ).toMatchObject({ ok: false, reason: 'Route "echo" is TCP, not UDP.' })
    const withDefault = config({
      target: parseTargetAddress('udp:127.0.0.1:9'),
    })
    expect(
      await targetForOpen(withDefault, open({ transport: 'tcp' }), '/'),
    ).toMatchObject({
      ok: false,
      reason: 'The default target is UDP, not TCP.',
    })
    expect(await targetForOpen(withDefault, open({}), '/')).toMatchObject({
      ok: true,
      target: { transport: 'udp', port: 9 },
    })
  })
})
