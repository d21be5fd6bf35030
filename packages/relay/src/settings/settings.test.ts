import os from 'node:os'
import { describe, expect, expectTypeOf, it } from 'vitest'
import { parseCliArgs } from './cli-args.js'
import {
  resolveRelayOptions,
  type LibrarySettingName,
  type RelayOptions,
} from './relay-options.js'
import type { Setting } from './setting-kinds.js'
import { envOf, flagOf, SETTING_NAMES, SETTINGS } from './settings.js'
import { USAGE } from './usage.js'

const rows = SETTING_NAMES.map(
  (name) => [name, SETTINGS[name] as Setting] as const,
)

describe('the settings table', () => {
  it('gives every setting one name, from which its flag and variable follow', () => {
    expect(flagOf('maxConnectionsPerIp')).toBe('max-connections-per-ip')
    expect(envOf('maxConnectionsPerIp')).toBe('WSRELAY_MAX_CONNECTIONS_PER_IP')
    expect(new Set(SETTING_NAMES.map(envOf)).size).toBe(SETTING_NAMES.length)
    for (const [name, row] of rows) {
      expect(name).toMatch(/^[a-z][A-Za-z]*$/)
      expect(row.help, name).toMatch(/^[A-Za-z[].*\.$/)
      expect(row.expected.length, name).toBeGreaterThan(2)
    }
  })

  it('lists every setting the command line takes in --help, within 79 columns', () => {
    for (const [name, row] of rows) {
      if (row.cli === 'none') continue
      const shown = row.cli === 'flag' ? `--${flagOf(name)}` : row.cli.shape
      expect(USAGE, name).toContain(`  ${shown}`)
    }
    for (const line of USAGE.split('\n'))
      expect(line.length, line).toBeLessThanOrEqual(79)
  })

  it('types the library options from the table: one name each, the command line’s own left out', () => {
    expectTypeOf<keyof RelayOptions>().toEqualTypeOf<
      LibrarySettingName | 'tls' | 'resolveHost' | 'logger'
    >()
    expectTypeOf<RelayOptions['maxMessageSize']>().toEqualTypeOf<
      number | undefined
    >()
    expectTypeOf<'tokenFile' | 'logFormat'>().not.toMatchTypeOf<
      keyof RelayOptions
    >()
    expect(
      SETTING_NAMES.filter((name) => !SETTINGS[name].library).sort(),
    ).toEqual(['cert', 'key', 'logFormat', 'logLevel', 'tokenFile', 'workers'])
  })

  it.each([
    ['maxConnections', -1, ['--max-connections=-1'], 'a positive whole number'],
    [
      'pongTimeout',
      3_000_000_000,
      ['--pong-timeout', '3000000000'],
      'at most 2147483647',
    ],
    [
      'healthPath',
      'health',
      ['--health-path', 'health'],
      'a path such as /healthz, or off',
    ],
  ] as const)(
    'checks %s once, with one message for the library and the command line',
    (name, value, flag, expected) => {
      expect(() =>
        resolveRelayOptions({ target: '127.0.0.1:1', [name]: value }),
      ).toThrow(
        `Invalid option ${name} ${JSON.stringify(value)}: expected ${expected}.`,
      )
      expect(() => parseCliArgs([...flag, '8080', '127.0.0.1:1'])).toThrow(
        new RegExp(`^Invalid --${flagOf(name)} .*: expected ${expected}\\.$`),
      )
    },
  )

  it('parses the target once, from text or an object', () => {
    expect(resolveRelayOptions({ target: '[::1]:5000' }).target).toEqual({
      host: '::1',
      port: 5000,
    })
    expect(
      resolveRelayOptions({ target: { host: '::1', port: 5000 } }).target,
    ).toEqual({ host: '::1', port: 5000 })
    expect(() =>
      resolveRelayOptions({ target: { host: '::1', port: 0 } }),
    ).toThrow('Invalid target port "0": expected a number from 1 to 65535.')
    expect(resolveRelayOptions({ target: 'h:1', listen: 8080 }).listen).toEqual(
      { host: '127.0.0.1', port: 8080 },
    )
  })

  it('reads udp: as the transport of the target and of routes, from every source', () => {
    const udp = { host: '127.0.0.1', port: 27015, transport: 'udp' }
    expect(
      resolveRelayOptions({ target: 'udp:127.0.0.1:27015' }).target,
    ).toEqual(udp)
    expect(
      resolveRelayOptions({
        target: { host: '127.0.0.1', port: 27015, transport: 'udp' },
      }).target,
    ).toEqual(udp)
    // TCP stays the default and compares equal to { host, port }.
    expect(
      resolveRelayOptions({ target: 'tcp:127.0.0.1:5000' }).target,
    ).toEqual({ host: '127.0.0.1', port: 5000 })
    expect(
      resolveRelayOptions({
        route: { game: 'udp:[::1]:27015', echo: '127.0.0.1:5000' },
      }).route,
    ).toEqual(
      new Map([
        ['game', { host: '::1', port: 27015, transport: 'udp' }],
        ['echo', { host: '127.0.0.1', port: 5000 }],
      ]),
    )
    const valuesOf = (command: ReturnType<typeof parseCliArgs>) => {
      if (command.kind !== 'run') throw new Error(command.kind)
      return command.settings.values
    }
    expect(
      valuesOf(parseCliArgs(['--route', 'game=udp:127.0.0.1:27015', '8080']))
        .route,
    ).toEqual(new Map([['game', udp]]))
    expect(
      valuesOf(
        parseCliArgs(['8080'], { WSRELAY_ROUTE: 'game=udp:127.0.0.1:27015' }),
      ).route,
    ).toEqual(new Map([['game', udp]]))
    expect(
      valuesOf(parseCliArgs(['8080', 'udp:127.0.0.1:27015'])).target,
    ).toEqual(udp)
  })

  it('refuses a transport it does not know, and a udp: target without a host', () => {
    expect(() => resolveRelayOptions({ target: 'udp:27015' })).toThrow(
      'Invalid target address "udp:27015": expected udp:host:port, e.g. udp:127.0.0.1:27015.',
    )
    expect(() =>
      resolveRelayOptions({
        target: { host: 'h', port: 1, transport: 'sctp' as 'udp' },
      }),
    ).toThrow('Invalid target transport "sctp": expected "tcp" or "udp".')
    expect(() => parseCliArgs(['--route', 'game=udp:', '8080'])).toThrow(
      'Invalid route "game": Invalid target address "udp:": expected udp:host:port, e.g. udp:127.0.0.1:27015.',
    )
  })

  it('refuses an option that is not a setting, naming the options', () => {
    expect(() =>
      resolveRelayOptions({
        target: 'h:1',
        ...({ maxMessageBytes: 10 } as object),
      }),
    ).toThrow(/^Unknown option maxMessageBytes\. The options are /)
  })
})

describe('workers', () => {
  it('takes a count from 1 to 64, or auto for one per CPU the process may use', () => {
    const { check } = SETTINGS.workers
    expect(check(2, 'option workers')).toBe(2)
    expect(check('auto', 'option workers')).toBe(
      Math.min(64, os.availableParallelism()),
    )
    expect(() => check(0, '--workers')).toThrow(
      'Invalid --workers 0: expected auto or a whole number from 1 to 64.',
    )
    expect(() => check('many', 'WSRELAY_WORKERS')).toThrow(
      'Invalid WSRELAY_WORKERS "many": expected auto or a whole number from 1 to 64.',
    )
  })
})
