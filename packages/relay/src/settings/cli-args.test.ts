import { describe, expect, it } from 'vitest'
import { parseCliArgs } from './cli-args.js'

describe('parseCliArgs', () => {
  it('takes websockify-style arguments; a bare port listens on loopback only', () => {
    expect(parseCliArgs(['8080', '127.0.0.1:5000'])).toMatchObject({
      kind: 'run',
      settings: {
        values: {
          listen: { host: '127.0.0.1', port: 8080 },
          target: { host: '127.0.0.1', port: 5000 },
        },
      },
    })
    expect(parseCliArgs(['0.0.0.0:8080', 'echo:5000'])).toMatchObject({
      settings: {
        values: {
          listen: { host: '0.0.0.0', port: 8080 },
          target: { host: 'echo', port: 5000 },
        },
      },
    })
    expect(parseCliArgs(['[::1]:8080', '[::1]:5000'])).toMatchObject({
      settings: {
        values: {
          listen: { host: '::1', port: 8080 },
          target: { host: '::1', port: 5000 },
        },
      },
    })
  })

  it('reads --web and the numeric options', () => {
    const command = parseCliArgs([
      '--web',
      'apps/console/dist',
      '--connect-timeout',
      '2500',
      '--max-message-size',
      '65536',
      '8080',
      'localhost:5000',
    ])
    expect(command).toMatchObject({
      kind: 'run',
      settings: {
        values: {
          logLevel: 'info',
          web: 'apps/console/dist',
          connectTimeout: 2500,
          maxMessageSize: 65536,
        },
      },
    })
  })

  it('answers --help and --version', () => {
    expect(parseCliArgs(['--help'])).toEqual({ kind: 'help' })
    expect(parseCliArgs(['-v'])).toEqual({ kind: 'version' })
  })

  it.each([
    [
      ['8080'],
      'Expected a listen address and a target, got only "8080". Example: wsrelay 8080 127.0.0.1:5000',
    ],
    [
      ['--allow-origin', '17085', '127.0.0.1:5000'],
      'Expected a listen address and a target, got only "127.0.0.1:5000". --allow-origin took "17085" as its value: give it its own (--allow-origin ORIGIN) before the arguments. Example: wsrelay 8080 127.0.0.1:5000',
    ],
    [
      ['--allow-origin', '17085', '8080', '127.0.0.1:5000'],
      'Invalid --allow-origin "17085": expected an origin, scheme://host[:port] such as https://app.example or http://localhost:5173 (no path), or *.',
    ],
    [
      ['--allow-origin', 'https://app.example/page', '8080', 'h:1'],
      'Invalid --allow-origin "https://app.example/page": expected an origin, scheme://host[:port] such as https://app.example or http://localhost:5173 (no path), or *.',
    ],
    [
      ['--idle-timeout', '-1', '8080', 'h:1'],
      'Invalid --idle-timeout "-1": expected 0 (off) or a positive whole number.',
    ],
    [
      ['--idle-timeout=-1', '8080', 'h:1'],
      'Invalid --idle-timeout "-1": expected 0 (off) or a positive whole number.',
    ],
    [
      ['8080', 'h:1', '--web'],
      '--web needs a value (--web DIR), and nothing follows it. Flags go before the arguments: wsrelay --web DIR 8080 127.0.0.1:5000.',
    ],
    [
      ['--web', '--metrics', '8080', 'h:1'],
      '--web needs a value (--web DIR), but the flag --metrics follows it: give --web its value first.',
    ],
    [
      ['--web', '-dist', '8080', 'h:1'],
      '--web needs a value (--web DIR), but -dist follows it. A value that starts with "-" is written --web=-dist.',
    ],
    [
      ['--metrics=yes', '8080', 'h:1'],
      '--metrics takes no value: write --metrics alone.',
    ],
    [
      ['8080', '5000'],
      'Invalid target address "5000": expected host:port, e.g. 127.0.0.1:5000.',
    ],
    [
      ['99999', 'h:1'],
      'Invalid listen port "99999": expected a number from 0 to 65535.',
    ],
    [
      ['8080', 'h:0'],
      'Invalid target port "0": expected a number from 1 to 65535.',
    ],
    [
      ['--connect-timeout', 'soon', '8080', 'h:1'],
      'Invalid --connect-timeout "soon": expected a positive whole number.',
    ],
    [
      ['--log-level', 'loud', '8080', 'h:1'],
      'Invalid --log-level "loud": expected one of fatal, error, warn, info, debug, trace, silent.',
    ],
  ])('rejects %j with a message that says what to do', (argv, message) => {
    expect(() => parseCliArgs(argv)).toThrow(
      expect.objectContaining({ code: 'RELAY_INVALID_OPTION', message }),
    )
  })

  it('rejects unknown flags and points to --help', () => {
    expect(() => parseCliArgs(['--nope', '8080', 'h:1'])).toThrow(
      /Run wsrelay --help for the options\.$/,
    )
  })

  it('takes routes, allow rules and the security flags; the target is optional with routes or rules', () => {
    expect(
      parseCliArgs([
        '--route',
        'vnc=10.0.0.5:5900',
        '--route',
        'redis=127.0.0.1:6379',
        '--allow',
        '*:443',
        '--allow-origin',
        'https://app.example',
        '--trust-proxy',
        '127.0.0.1/32',
        '--token-file',
        '/run/secrets/wsrelay',
        '--cert',
        'c.pem',
        '--key',
        'k.pem',
        '--no-route-list',
        '0.0.0.0:8080',
      ]),
    ).toMatchObject({
      kind: 'run',
      given: {
        route: ['vnc=10.0.0.5:5900', 'redis=127.0.0.1:6379'],
        allow: ['*:443'],
        trustProxy: ['127.0.0.1/32'],
      },
      settings: {
        values: {
          tokenFile: '/run/secrets/wsrelay',
          cert: 'c.pem',
          key: 'k.pem',
          listen: { host: '0.0.0.0' },
          target: undefined,
          route: new Map([
            ['vnc', { host: '10.0.0.5', port: 5900 }],
            ['redis', { host: '127.0.0.1', port: 6379 }],
          ]),
          allow: [expect.objectContaining({ text: '*:443' })],
          allowOrigin: ['https://app.example'],
          noRouteList: true,
        },
      },
    })
  })

  it.each([
    [
      ['--route', 'vnc', '8080'],
      'Invalid --route "vnc": expected NAME=HOST:PORT or NAME=udp:HOST:PORT, e.g. echo=127.0.0.1:5000.',
    ],
    [
      ['--route', 'a=h:1', '--route', 'a=h:2', '8080'],
      'Route "a" is given twice.',
    ],
    [
      ['--cert', 'c.pem', '8080', 'h:1'],
      '--cert and --key go together: give both PEM files, or neither.',
    ],
  ])('rejects %j', (argv, message) => {
    expect(() => parseCliArgs(argv)).toThrow(message)
  })
})
