import { describe, expect, it } from 'vitest'
import { formatSettings, parseCliArgs } from './cli-args.js'

const files = (contents: Record<string, string>) => (path: string) => {
  const text = contents[path]
  if (text === undefined)
    throw Object.assign(new Error('no such file'), { code: 'ENOENT' })
  return text
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

describe('configuration: flags, WSRELAY_* and --config under one schema', () => {
  it('takes flag over env over file over default, and says where each came from', () => {
    const command = parseCliArgs(
      ['--config', 'relay.yaml', '--max-connections', '7', '8080'],
      { WSRELAY_MAX_CONNECTIONS: '6', WSRELAY_IDLE_TIMEOUT: '500' },
      files({
        'relay.yaml':
          'target: 127.0.0.1:5000\nmaxConnections: 5\nidleTimeout: 400\npingInterval: 0\n',
      }),
    )
    if (command.kind !== 'run') throw new Error(command.kind)
    expect(command.settings.values).toMatchObject({
      listen: { host: '127.0.0.1', port: 8080 },
      target: { host: '127.0.0.1', port: 5000 },
      maxConnections: 7,
      idleTimeout: 500,
      pingInterval: 0,
      drainTimeout: 5000,
    })
    expect(command.sources).toMatchObject({
      listen: 'flag',
      target: 'file',
      maxConnections: 'flag',
      idleTimeout: 'env',
      pingInterval: 'file',
      drainTimeout: 'default',
    })
  })

  it('reads JSON config files, lists from env as comma-separated, and the listen address from WSRELAY_LISTEN', () => {
    const command = parseCliArgs(
      ['--config', 'relay.json'],
      {
        WSRELAY_LISTEN: '0.0.0.0:9000',
        WSRELAY_ALLOW_ORIGIN: 'https://a.example, https://b.example',
      },
      files({
        'relay.json': '{"route": ["echo=127.0.0.1:5000"], "metrics": true}',
      }),
    )
    expect(command).toMatchObject({
      kind: 'run',
      settings: {
        values: {
          listen: { host: '0.0.0.0', port: 9000 },
          route: new Map([['echo', { host: '127.0.0.1', port: 5000 }]]),
          metrics: true,
          allowOrigin: ['https://a.example', 'https://b.example'],
        },
      },
    })
  })

  it('reads UDP routes, a UDP target and udp: rules from a YAML file and the environment', () => {
    const command = parseCliArgs(
      ['--config', 'relay.yaml'],
      {
        WSRELAY_LISTEN: '8080',
        WSRELAY_ALLOW: 'udp:10.0.0.0/8:27000-27100,*:443',
      },
      files({
        'relay.yaml': [
          'target: udp:127.0.0.1:9',
          'route:',
          '  game: udp:127.0.0.1:27015',
          '  voice: { host: 127.0.0.1, port: 4000, transport: udp }',
          '  echo: 127.0.0.1:5000',
        ].join('\n'),
      }),
    )
    if (command.kind !== 'run') throw new Error(command.kind)
    const { values } = command.settings
    expect(values.target).toEqual({
      host: '127.0.0.1',
      port: 9,
      transport: 'udp',
    })
    expect(values.route).toEqual(
      new Map([
        ['game', { host: '127.0.0.1', port: 27015, transport: 'udp' }],
        ['voice', { host: '127.0.0.1', port: 4000, transport: 'udp' }],
        ['echo', { host: '127.0.0.1', port: 5000 }],
      ]),
    )
    expect(values.allow.map((rule) => [rule.text, rule.transport])).toEqual([
      ['udp:10.0.0.0/8:27000-27100', 'udp'],
      ['*:443', 'tcp'],
    ])
  })

  it.each([
    [
      ['8080', 'h:1'],
      { WSRELAY_MAX_CONNECTIONS: 'lots' },
      {},
      'Invalid WSRELAY_MAX_CONNECTIONS "lots": expected a positive whole number.',
    ],
    [
      ['--config', 'c.json', '8080', 'h:1'],
      {},
      { 'c.json': '{"drainTimeout": -1}' },
      'Invalid drainTimeout in c.json: -1: expected a positive whole number.',
    ],
    [
      ['--config', 'c.json', '8080', 'h:1'],
      {},
      { 'c.json': '{"maxConection": 5}' },
      'Unknown key "maxConection" in --config c.json. Did you mean "maxConnections"? The keys are the flags in camelCase.',
    ],
    [
      ['--config', 'c.yaml', '8080', 'h:1'],
      {},
      { 'c.yaml': 'logLevel: loud' },
      'Invalid logLevel in c.yaml: "loud": expected one of fatal, error, warn, info, debug, trace, silent.',
    ],
    [
      ['--config', 'missing.json', '8080', 'h:1'],
      {},
      {},
      'Cannot read --config missing.json (ENOENT). Check the path.',
    ],
    [
      ['--config', 'c.json', '8080', 'h:1'],
      {},
      { 'c.json': '{nope' },
      /^Cannot parse --config c.json: .* It must be JSON with keys such as maxConnections\.$/,
    ],
    [
      ['--config', 'c.yaml', '8080', 'h:1'],
      {},
      { 'c.yaml': 'a: b: c\n' },
      'Cannot parse --config c.yaml: block as implicit key at line 1, column 4. It must be YAML with keys such as maxConnections.',
    ],
    [
      ['8080', 'h:1'],
      { WSRELAY_TOKEN: 'short' },
      {},
      'Invalid WSRELAY_TOKEN <redacted>: expected 16-256 of A-Z a-z 0-9 . _ ~ + -.',
    ],
  ])(
    'rejects %j %j %j naming the key, the value and what is expected',
    (argv, env, contents, message) => {
      let thrown: unknown
      try {
        parseCliArgs(argv, env, files(contents))
      } catch (err) {
        thrown = err
      }
      expect(thrown).toMatchObject({ code: 'RELAY_INVALID_OPTION' })
      expect((thrown as Error).message).toMatch(
        typeof message === 'string'
          ? new RegExp(`^${escape(message)}$`)
          : message,
      )
    },
  )

  it('explains CLI mistakes with the fix', () => {
    expect(() => parseCliArgs(['--port', '8081'])).toThrow(
      'Unknown option --port: the listen address is the first argument, not a flag. Example: wsrelay 8081 127.0.0.1:5000 (or set WSRELAY_LISTEN=8081).',
    )
    expect(() =>
      parseCliArgs(['--max-conections', '5', '8080', 'h:1']),
    ).toThrow(
      'Unknown option --max-conections. Did you mean --max-connections? Run wsrelay --help for the options.',
    )
    expect(() => parseCliArgs(['8080', 'h:1', 'extra'])).toThrow(
      /^Expected at most two arguments/,
    )
  })

  it('prints every setting with its source, the token redacted', () => {
    const command = parseCliArgs(['--print-config', '8080', '127.0.0.1:5000'], {
      WSRELAY_TOKEN: 'f3a9c1d2e4b5a6978812aabbccddeeff',
    })
    if (command.kind !== 'print-config') throw new Error(command.kind)
    const text = formatSettings(command)
    expect(text).toMatch(/^key\s+value\s+from\s+flag\s+env\n/)
    expect(text).toMatch(/\ntoken\s+<redacted>\s+env\s+-\s+WSRELAY_TOKEN\n/)
    expect(text).toMatch(
      /\nmaxConnections\s+10000\s+default\s+--max-connections\s+WSRELAY_MAX_CONNECTIONS\n/,
    )
    expect(text).toMatch(/\nlisten\s+"8080"\s+flag/)
    expect(text).not.toContain('f3a9c1d2e4b5a6978812aabbccddeeff')
  })
})
