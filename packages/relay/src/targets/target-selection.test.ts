import net from 'node:net'
import os from 'node:os'
import fc from 'fast-check'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { parseCliArgs } from '../settings/cli-args.js'
import { resolveRelayOptions } from '../settings/relay-options.js'
import {
  addressBytes,
  isInNetwork,
  parseAllowRule,
  pickAllowedAddress,
} from './allow-rules.js'
import type { Resolver } from './resolver.js'
import { targetForOpen, targetForPath } from './target-selection.js'

afterEach(() => {
  vi.useRealTimers()
  vi.restoreAllMocks()
})

const iface = (address: string): os.NetworkInterfaceInfo => ({
  address,
  family: 'IPv4',
  netmask: '255.255.255.255',
  mac: '00:00:00:00:00:00',
  internal: false,
  cidr: `${address}/32`,
})

describe("the relay host's own addresses", () => {
  it('are read again after start: an address added to an interface is refused (4102) a second later', async () => {
    vi.useFakeTimers()
    const interfaces = vi
      .spyOn(os, 'networkInterfaces')
      .mockReturnValue({ lo: [iface('127.0.0.1')] })
    const config = resolveRelayOptions({ allow: ['*:7000'] })
    // The client's name resolves to an address this host does not have yet.
    const resolver: Resolver = {
      resolve: () => Promise.resolve([{ address: '93.184.216.34', family: 4 }]),
    }
    const open = { type: 'open', host: 'app.example', port: 7000 } as const
    const signal = new AbortController().signal
    const before = await targetForOpen(config, open, '/', resolver, signal)
    expect(before.ok).toBe(true)
    interfaces.mockReturnValue({
      lo: [iface('127.0.0.1')],
      eth0: [iface('93.184.216.34')],
    })
    vi.advanceTimersByTime(1001)
    const after = await targetForOpen(config, open, '/', resolver, signal)
    expect(after).toEqual({
      ok: false,
      refusal: 'targetNotAllowed',
      reason: 'Target app.example:7000 is not allowed by this relay.',
    })
  })
})

describe('allow rules at scale', () => {
  it('judge an address against the special ranges once, not once per rule: 10,000 rules make no BlockList check', () => {
    const rules = Array.from({ length: 10_000 }, (_, i) =>
      parseAllowRule(`203.0.${i >> 8}.${i & 255}/32:80`),
    )
    const check = vi.spyOn(net.BlockList.prototype, 'check')
    expect(
      pickAllowedAddress(rules, 'x.example', 80, [
        { address: '10.1.2.3', family: 4 },
        { address: '::ffff:127.0.0.1', family: 6 },
      ]),
    ).toBeUndefined()
    expect(check).not.toHaveBeenCalled()
  })

  it('compare prefixes as net.BlockList does, for any address and network', () => {
    const v4 = fc
      .tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255))
      .map((p) => p.join('.'))
    const v6 = fc
      .array(fc.nat(0xffff), { minLength: 8, maxLength: 8 })
      .map((g) => g.map((x) => x.toString(16)).join(':'))
    const pair = fc.oneof(
      fc.tuple(v4, v4, fc.nat(32), fc.constant(4 as const)),
      fc.tuple(v6, v6, fc.nat(128), fc.constant(6 as const)),
    )
    fc.assert(
      fc.property(pair, ([address, network, prefix, family]) => {
        const list = new net.BlockList()
        list.addSubnet(network, prefix, family === 4 ? 'ipv4' : 'ipv6')
        expect(
          isInNetwork(addressBytes(address, family), {
            bytes: addressBytes(network, family),
            prefix,
            family,
          }),
        ).toBe(list.check(address, family === 4 ? 'ipv4' : 'ipv6'))
      }),
      { numRuns: 2000 },
    )
  })
})

describe('route names that are JavaScript built-ins', () => {
  const BUILT_INS = [
    'constructor',
    'toString',
    'valueOf',
    'hasOwnProperty',
    'isPrototypeOf',
    'propertyIsEnumerable',
    'toLocaleString',
  ]

  it.each(BUILT_INS)(
    '%s is a route like any other: from a flag, a variable, a JSON or YAML file and the library',
    (name) => {
      const files: Record<string, string> = {
        'relay.json': JSON.stringify({ route: { [name]: '127.0.0.1:5001' } }),
        'relay.yaml': `route:\n  ${name}: 127.0.0.1:5001\n`,
      }
      const read = (path: string): string => files[path] ?? ''
      const routesOf = (command: ReturnType<typeof parseCliArgs>) =>
        command.kind === 'run' ? [...command.settings.values.route] : []
      const expected = [[name, { host: '127.0.0.1', port: 5001 }]]
      expect(
        routesOf(parseCliArgs(['--route', `${name}=127.0.0.1:5001`, '8080'])),
      ).toEqual(expected)
      expect(
        routesOf(
          parseCliArgs(['8080'], { WSRELAY_ROUTE: `${name}=127.0.0.1:5001` }),
        ),
      ).toEqual(expected)
      for (const file of Object.keys(files))
        expect(
          routesOf(parseCliArgs(['--config', file, '8080'], {}, read)),
        ).toEqual(expected)
      const config = resolveRelayOptions({
        route: { [name]: '127.0.0.1:5001' },
      })
      expect([...config.route]).toEqual(expected)
    },
  )

  it.each(BUILT_INS)(
    '%s names no route on a relay without it: the path and open get 4102, never a built-in',
    async (name) => {
      const config = resolveRelayOptions({ route: { echo: '127.0.0.1:5001' } })
      expect(targetForPath(config, `/${name}`)).toEqual({
        ok: false,
        refusal: 'targetNotAllowed',
        reason: `No route named "${name}" on this relay.`,
      })
      const resolver: Resolver = { resolve: () => Promise.resolve([]) }
      expect(
        await targetForOpen(
          config,
          { type: 'open', route: name },
          '/',
          resolver,
          new AbortController().signal,
        ),
      ).toMatchObject({ ok: false, refusal: 'targetNotAllowed' })
    },
  )
})

describe('absolute-form request targets', () => {
  it('name the same route as their path (RFC 9112 3.2.2)', () => {
    const config = resolveRelayOptions({
      route: { vnc: '127.0.0.1:5900' },
      target: '127.0.0.1:5000',
    })
    for (const target of [
      'ws://relay.example/vnc',
      'http://relay.example:8080/vnc?x=1',
    ])
      expect(targetForPath(config, target)).toMatchObject({
        ok: true,
        target: { route: 'vnc' },
      })
  })
})
