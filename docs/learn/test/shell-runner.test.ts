import { describe, expect, it } from 'vitest'
import { existsSync } from 'node:fs'
import { REPO_ROOT } from './processes.js'
import {
  PortMap,
  RUN_ELSEWHERE,
  commandsOf,
  isBackground,
  isJobControl,
  isUdpServer,
  listenPortsOf,
  logFileOf,
  matchesOutput,
  runElsewhere,
} from './shell-runner.js'

describe('the shell runner', () => {
  it('matches output line by line, with ... for any lines and … for any text', () => {
    expect(matchesOutput('a\nb', 'a\nb\n')).toBe(true)
    expect(matchesOutput('a\nb', 'a\nc\n')).toBe(false)
    expect(matchesOutput('a\n...\nd', 'a\nb\nc\nd\n')).toBe(true)
    expect(matchesOutput('a\n...', 'a\n')).toBe(true)
    expect(
      matchesOutput('close 4104 … token.', 'close 4104 no (x) token.'),
    ).toBe(true)
    expect(matchesOutput('close 4104 … token.', 'close 4104 no token!')).toBe(
      false,
    )
    expect(matchesOutput('a.b', 'axb')).toBe(false)
    expect(matchesOutput('key   value', 'key     value')).toBe(true)
  })

  it('runs every command except the ones CI runs elsewhere, and says where', () => {
    expect(runElsewhere('pnpm install && pnpm dev')).toContain('.ci/run')
    expect(runElsewhere('pnpm install && make -C x')).toBeUndefined()
    expect(runElsewhere('pnpm build  # first')).toContain('pnpm test')
    expect(runElsewhere('pnpm builder')).toBeUndefined()
    expect(runElsewhere('node x.js')).toBeUndefined()
  })

  it('types the builds and the measurement when it walks the whole text in order', () => {
    expect(runElsewhere('pnpm build', 'in-order')).toBeUndefined()
    expect(runElsewhere('pnpm learn:compare', 'in-order')).toBeUndefined()
    expect(runElsewhere('pnpm install && pnpm dev', 'in-order')).toContain(
      'left running',
    )
    expect(runElsewhere('docker compose up --build', 'in-order')).toContain(
      'Docker',
    )
  })

  it('names only files that exist as the places CI runs a command', () => {
    const named = RUN_ELSEWHERE.flatMap(({ where }) =>
      [...where.matchAll(/[\w./-]+\.(?:ts|py|js)\b|\.ci\/run/g)].map(
        (m) => m[0],
      ),
    )
    expect(named.length).toBeGreaterThan(3)
    const missing = named.filter(
      (path) =>
        !existsSync(`${REPO_ROOT}${path}`) &&
        !existsSync(`${REPO_ROOT}e2e/tests/${path}`) &&
        !existsSync(`${REPO_ROOT}docs/learn/test/${path}`),
    )
    expect(missing).toEqual([])
  })

  it('knows a job from a command, and the ports a job listens on', () => {
    expect(isJobControl('kill %1 %2; wait')).toBe(true)
    expect(isJobControl('kill %2; wait %2  # stop the relay')).toBe(true)
    expect(isJobControl('kill 1234; wait')).toBe(false)
    expect(isJobControl('kill %1; rm -rf x')).toBe(false)
    expect(
      isBackground('node relay.js 8081 127.0.0.1:7000 > relay.log &'),
    ).toBe(true)
    expect(isBackground('a && b')).toBe(false)
    expect(isBackground('node x.js &  # a server')).toBe(true)
    expect(
      listenPortsOf('node relay.js --web d 8081 127.0.0.1:7000 &'),
    ).toEqual([8081])
    expect(listenPortsOf("relay --allow '*:7000' 8081 &")).toEqual([8081])
    expect(listenPortsOf('sleep 2 && echo --port 7000 > e.log &')).toEqual([
      7000,
    ])
    expect(logFileOf('node relay.js 8081 127.0.0.1:7000 > relay.log &')).toBe(
      'relay.log',
    )
    expect(logFileOf('examples/echo_server 7000 &')).toBeUndefined()
    expect(logFileOf('node x.js 2>&1 &')).toBeUndefined()
    // The C++ UDP server binds a UDP port: nothing to connect to, so its bind is waited for.
    expect(isUdpServer('examples/cpp-echo-server/udp_echo_server 7000 &')).toBe(
      true,
    )
    expect(isUdpServer('examples/cpp-echo-server/echo_server 7000 &')).toBe(
      false,
    )
    expect(
      isUdpServer(
        'node relay.js --route game=udp:127.0.0.1:7000 8081 > relay.log &',
      ),
    ).toBe(false)
  })

  it('puts real ports in commands and the documented ones back in output', () => {
    const ports = PortMap.fromBase(30000)
    expect(ports.rewrite('relay 8081 127.0.0.1:7000 localhost:5173')).toBe(
      'relay 30004 127.0.0.1:30002 localhost:30001',
    )
    expect(ports.restore('ws://127.0.0.1:30004/ 130004')).toBe(
      'ws://127.0.0.1:8081/ 130004',
    )
    expect(PortMap.documented().rewrite('x 8081')).toBe('x 8081')
  })

  it('drops comments and joins continued lines', () => {
    expect(commandsOf('# start\na \\\n  --b\n\nc &\n')).toEqual([
      'a --b',
      'c &',
    ])
  })
})
