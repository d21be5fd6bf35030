import { once } from 'node:events'
import type net from 'node:net'
import {
  CloseCode,
  SUBPROTOCOL_V1,
  parseRelayMessage,
  type RelayControlMessage,
} from '@wsrelay/protocol'
import { describe, expect, it } from 'vitest'
import {
  freePort,
  startEchoServer,
  startTcpServer,
  type TestTcpServer,
} from '@wsrelay/test-kit'
import { WebSocket } from 'ws'
import {
  Inbox,
  closed,
  openWebSocket,
  readBytes,
  readToEnd,
} from '../test-support/sockets.js'
import { createHarness } from '../test-support/harness.js'

const { track, startRelay } = createHarness()

/** A TCP server that answers every connection with its own name, then echoes. */
const startNamedServer = (name: string): Promise<TestTcpServer> =>
  startTcpServer((socket) => {
    socket.write(`${name}\n`)
    socket.pipe(socket)
  })

/** Next control message (text frame) on a v1 connection, validated as the client would. */
async function nextControl(inbox: Inbox): Promise<RelayControlMessage> {
  const parsed = parseRelayMessage(JSON.stringify(await inbox.nextText()))
  if (!parsed.ok) throw new Error(parsed.error)
  return parsed.message
}

/** Opens a v1 connection and sends `open`. */
async function openV1(
  url: string,
  open: object,
): Promise<{ ws: WebSocket; inbox: Inbox }> {
  const ws = new WebSocket(url, SUBPROTOCOL_V1)
  const inbox = new Inbox(ws)
  await once(ws, 'open')
  ws.send(JSON.stringify({ type: 'open', ...open }))
  return { ws, inbox }
}

describe('named routes', () => {
  it('picks the route named by the URL path, and the fixed target for other paths', async () => {
    const a = await track(startNamedServer('alpha'))
    const b = await track(startNamedServer('beta'))
    const fixed = await track(startNamedServer('fixed'))
    const { url } = await startRelay({
      target: `127.0.0.1:${fixed.port}`,
      route: { alpha: `127.0.0.1:${a.port}`, beta: `127.0.0.1:${b.port}` },
    })
    for (const [path, name] of [
      ['alpha', 'alpha'],
      ['beta/', 'beta'],
      ['beta?x=1', 'beta'],
      ['relay', 'fixed'],
      ['', 'fixed'],
    ] as const) {
      const ws = await openWebSocket(`${url}${path}`)
      expect((await readBytes(ws, name.length + 1)).toString()).toBe(
        `${name}\n`,
      )
      ws.close()
    }
  })

  it('closes 4102 for a path that names no route when there is no fixed target', async () => {
    const a = await track(startNamedServer('alpha'))
    const { url } = await startRelay({
      route: { alpha: `127.0.0.1:${a.port}` },
    })
    expect(await closed(new WebSocket(`${url}nope`))).toEqual({
      code: CloseCode.TARGET_NOT_ALLOWED,
      reason: 'No route named "nope" on this relay.',
    })
    expect(await closed(new WebSocket(url))).toEqual({
      code: CloseCode.TARGET_NOT_ALLOWED,
      reason: 'No target for this path: name a route, e.g. ws://relay/NAME.',
    })
  })

  it('lists route names and transports at GET /routes, never their addresses, unless turned off', async () => {
    const { port } = await startRelay({
      route: {
        vnc: '10.0.0.5:5900',
        redis: '127.0.0.1:6379',
        game: 'udp:10.0.0.7:27015',
      },
      allow: ['*:443'],
    })
    const res = await fetch(`http://127.0.0.1:${port}/routes`)
    const body = await res.text()
    expect(JSON.parse(body)).toEqual({
      routes: ['vnc', 'redis', 'game'],
      transports: { vnc: 'tcp', redis: 'tcp', game: 'udp' },
      defaultTarget: false,
      clientChosenTargets: true,
      clientChosenTransports: ['tcp'],
    })
    expect(body).not.toContain('10.0.0.5')
    expect(body).not.toContain('10.0.0.7')

    const udp = await startRelay({
      target: 'udp:127.0.0.1:27015',
      allow: ['udp:*:27015', '*:443'],
    })
    expect(
      await (await fetch(`http://127.0.0.1:${udp.port}/routes`)).json(),
    ).toEqual({
      routes: [],
      transports: {},
      defaultTarget: true,
      defaultTransport: 'udp',
      clientChosenTargets: true,
      clientChosenTransports: ['tcp', 'udp'],
    })

    const quiet = await startRelay({
      route: { vnc: '10.0.0.5:5900' },
      noRouteList: true,
    })
    expect(
      (await fetch(`http://127.0.0.1:${quiet.port}/routes`)).status,
    ).not.toBe(200)
  })

  it('lets a page from an origin the relay accepts read /routes (CORS), and no other', async () => {
    const { port } = await startRelay({
      route: { echo: '127.0.0.1:9' },
      allowOrigin: ['https://console.example'],
    })
    const routes = `http://127.0.0.1:${port}/routes`
    const allowed = await fetch(routes, {
      headers: { origin: 'https://console.example' },
    })
    expect(allowed.headers.get('access-control-allow-origin')).toBe(
      'https://console.example',
    )
    expect(allowed.headers.get('vary')).toBe('Origin')
    expect(allowed.headers.get('access-control-allow-credentials')).toBeNull()

    // The relay's own origin is accepted as for a WebSocket.
    const own = await fetch(routes, {
      headers: { origin: `http://127.0.0.1:${port}` },
    })
    expect(own.headers.get('access-control-allow-origin')).toBe(
      `http://127.0.0.1:${port}`,
    )

    const refused = await fetch(routes, {
      headers: { origin: 'https://evil.example' },
    })
    expect(refused.status).toBe(200)
    expect(refused.headers.get('access-control-allow-origin')).toBeNull()
    expect(refused.headers.get('vary')).toBe('Origin')

    const preflight = await fetch(routes, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://console.example',
        'access-control-request-method': 'GET',
      },
    })
    expect(preflight.status).toBe(204)
    expect(preflight.headers.get('access-control-allow-origin')).toBe(
      'https://console.example',
    )
    expect(preflight.headers.get('access-control-allow-methods')).toBe(
      'GET, HEAD',
    )
  })
})

describe('wsrelay.v1', () => {
  it('opens a route, answers connected, relays binary data and pings', async () => {
    const echo = await track(startEchoServer())
    const { url } = await startRelay({
      route: { echo: `127.0.0.1:${echo.port}` },
    })
    const { ws, inbox } = await openV1(url, { route: 'echo' })
    expect(ws.protocol).toBe(SUBPROTOCOL_V1)
    // A route is named, never located: the operator's addresses stay private.
    expect(await nextControl(inbox)).toEqual({
      type: 'connected',
      route: 'echo',
    })
    ws.send(Buffer.from('bytes'))
    expect((await inbox.readBytes(5)).toString()).toBe('bytes')
    ws.send(JSON.stringify({ type: 'ping', id: 7, ts: 1234.5 }))
    expect(await nextControl(inbox)).toEqual({
      type: 'pong',
      id: 7,
      ts: 1234.5,
    })
    ws.close()
  })

  it('half-closes: end from the browser is a FIN, the target keeps talking, then end comes back', async () => {
    let upstream: net.Socket | undefined
    const target = await track(startTcpServer((s) => (upstream = s)))
    const { url } = await startRelay({ target: `127.0.0.1:${target.port}` })
    const { ws, inbox } = await openV1(url, {})
    await nextControl(inbox) // connected
    ws.send(Buffer.from('request'))
    ws.send(JSON.stringify({ type: 'end' }))

    const socket = upstream as net.Socket
    expect((await readToEnd(socket)).toString()).toBe('request') // then FIN
    socket.end('response after your FIN') // the target answers, then ends its side
    expect((await inbox.readBytes(23)).toString()).toBe(
      'response after your FIN',
    )
    expect(await nextControl(inbox)).toEqual({ type: 'end' })
    expect(await closed(ws)).toEqual({
      code: 1000,
      reason: 'Both sides ended.',
    })
  })

  it('keeps data pipelined right behind open, in order', async () => {
    const echo = await track(startEchoServer())
    const { url } = await startRelay({ target: `127.0.0.1:${echo.port}` })
    const ws = new WebSocket(url, SUBPROTOCOL_V1)
    const inbox = new Inbox(ws)
    await once(ws, 'open')
    ws.send(JSON.stringify({ type: 'open' }))
    for (const part of ['one ', 'two ', 'three']) ws.send(Buffer.from(part))
    expect((await inbox.readBytes(13)).toString()).toBe('one two three')
    ws.close()
  })

  const badInputs: [string, (string | Buffer)[], string][] = [
    ['invalid JSON', ['not json'], 'Control message is not valid JSON.'],
    ['a JSON array', ['[]'], 'Control message must be a JSON object.'],
    ['no type', ['{}'], 'Control message needs a string "type".'],
    [
      'an unknown type',
      ['{"type":"warp"}'],
      'Unknown control message type "warp".',
    ],
    ['data before open', [Buffer.from('early')], 'Data before open.'],
    [
      'ping before open',
      ['{"type":"ping","id":1,"ts":1}'],
      'ping before open.',
    ],
    ['end before open', ['{"type":"end"}'], 'end before open.'],
    [
      'a bad host',
      ['{"type":"open","host":"a b","port":80}'],
      'open "host" must be a host name or IP address.',
    ],
    [
      'port 0',
      ['{"type":"open","host":"x","port":0}'],
      'open "port" must be a whole number from 1 to 65535.',
    ],
    [
      'a string port',
      ['{"type":"open","host":"x","port":"80"}'],
      'open "port" must be a whole number from 1 to 65535.',
    ],
    [
      'route and host',
      ['{"type":"open","route":"echo","host":"x","port":1}'],
      'open takes a route or a host and port, not both.',
    ],
    [
      'a bad route name',
      ['{"type":"open","route":"../etc"}'],
      'open "route" must be a route name.',
    ],
    [
      'an unknown field',
      ['{"type":"open","via":"x"}'],
      'Unknown field "via" in open.',
    ],
    [
      'an oversized message',
      [`{"type":"open","host":"${'a'.repeat(1100)}","port":1}`],
      'Control message too long (1134 bytes, limit 1024).',
    ],
    ['open twice', ['{"type":"open"}', '{"type":"open"}'], 'open sent twice.'],
    [
      'end twice',
      ['{"type":"open"}', '{"type":"end"}', '{"type":"end"}'],
      'end sent twice.',
    ],
    [
      'data after end',
      ['{"type":"open"}', '{"type":"end"}', Buffer.from('late')],
      'Data after end.',
    ],
    [
      'ping without ts',
      ['{"type":"open"}', '{"type":"ping","id":1}'],
      'ping needs a numeric "ts".',
    ],
    [
      'ping with a negative id',
      ['{"type":"open"}', '{"type":"ping","id":-2,"ts":0}'],
      'ping needs a whole-number "id".',
    ],
    [
      'an unknown type after open',
      ['{"type":"open"}', '{"type":"reset"}'],
      'Unknown control message type "reset".',
    ],
    [
      'invalid JSON after open',
      ['{"type":"open"}', '{oops'],
      'Control message is not valid JSON.',
    ],
    [
      'end with a field',
      ['{"type":"open"}', '{"type":"end","now":true}'],
      'Unknown field "now" in end.',
    ],
    [
      'a connected message from the client',
      ['{"type":"connected","host":"x","port":1,"address":"1.2.3.4"}'],
      'Unknown control message type "connected".',
    ],
    [
      'a pong from the client',
      ['{"type":"open"}', '{"type":"pong","id":1,"ts":1}'],
      'Unknown control message type "pong".',
    ],
  ]

  it(`closes 1008 with a reason for each of ${badInputs.length} malformed or out-of-order inputs, and keeps serving`, async () => {
    const echo = await track(startEchoServer())
    const { url } = await startRelay({
      target: `127.0.0.1:${echo.port}`,
      route: { echo: `127.0.0.1:${echo.port}` },
    })
    for (const [what, frames, reason] of badInputs) {
      const ws = await openWebSocket(url, SUBPROTOCOL_V1)
      const result = closed(ws)
      for (const frame of frames) ws.send(frame)
      expect({ what, ...(await result) }).toEqual({
        what,
        code: CloseCode.POLICY_VIOLATION,
        reason,
      })
    }
    // Still serving.
    const { ws, inbox } = await openV1(url, { route: 'echo' })
    await nextControl(inbox)
    ws.send(Buffer.from('ok'))
    expect((await inbox.readBytes(2)).toString()).toBe('ok')
    ws.close()
  })

  it('closes 1008 when no open arrives in time, and 4102 for an unknown route', async () => {
    const echo = await track(startEchoServer())
    const { url } = await startRelay({
      target: `127.0.0.1:${echo.port}`,
      handshakeTimeout: 150,
    })
    const silent = await openWebSocket(url, SUBPROTOCOL_V1)
    expect(await closed(silent)).toEqual({
      code: CloseCode.POLICY_VIOLATION,
      reason: 'No open message within 150 ms.',
    })
    const { inbox: unknown } = await openV1(url, { route: 'nope' })
    expect(await unknown.closed()).toEqual({
      code: CloseCode.TARGET_NOT_ALLOWED,
      reason: 'No route named "nope" on this relay.',
    })
  })
})

describe('client-chosen targets', () => {
  it('are refused without any --allow rule', async () => {
    const echo = await track(startEchoServer())
    const { url } = await startRelay({ target: `127.0.0.1:${echo.port}` })
    const { inbox } = await openV1(url, {
      host: '127.0.0.1',
      port: echo.port,
    })
    expect(await inbox.closed()).toEqual({
      code: CloseCode.TARGET_NOT_ALLOWED,
      reason: 'This relay does not allow client-chosen targets.',
    })
  })

  it('refuse a host name that resolves to loopback unless a rule names the loopback address', async () => {
    const echo = await track(startEchoServer())
    const broad = await startRelay({
      allow: [
        `*:${echo.port}`,
        `localhost:${echo.port}`,
        `0.0.0.0/0:${echo.port}`,
      ],
    })
    const { inbox: refused } = await openV1(broad.url, {
      host: 'localhost',
      port: echo.port,
    })
    expect(await refused.closed()).toEqual({
      code: CloseCode.TARGET_NOT_ALLOWED,
      reason: `Target localhost:${echo.port} is not allowed by this relay.`,
    })

    const explicit = await startRelay({ allow: [`127.0.0.1/32:${echo.port}`] })
    const { ws, inbox } = await openV1(explicit.url, {
      host: 'localhost',
      port: echo.port,
    })
    expect(await nextControl(inbox)).toEqual({
      type: 'connected',
      host: 'localhost',
      port: echo.port,
      address: '127.0.0.1',
    })
    ws.send(Buffer.from('allowed'))
    expect((await inbox.readBytes(7)).toString()).toBe('allowed')
    ws.close()
  })

  it('refuse a port outside the rule', async () => {
    const echo = await track(startEchoServer())
    const other = await freePort()
    const { url } = await startRelay({ allow: [`127.0.0.1/32:${echo.port}`] })
    expect(
      await (
        await openV1(url, { host: '127.0.0.1', port: other })
      ).inbox.closed(),
    ).toEqual({
      code: CloseCode.TARGET_NOT_ALLOWED,
      reason: `Target 127.0.0.1:${other} is not allowed by this relay.`,
    })
  })

  it('connect to the address that was checked, even if a second lookup would answer differently', async () => {
    // Listens on 127.0.0.1 only: a connection to 127.0.0.2 would be refused.
    const echo = await track(startEchoServer())
    const answers = [
      [{ address: '127.0.0.1', family: 4 }],
      [{ address: '127.0.0.2', family: 4 }],
    ]
    let lookups = 0
    const { url } = await startRelay({
      allow: [`127.0.0.0/8:${echo.port}`],
      resolveHost: () => Promise.resolve(answers[Math.min(lookups++, 1)] ?? []),
    })
    const { ws, inbox } = await openV1(url, {
      host: 'rebind.test',
      port: echo.port,
    })
    expect(await nextControl(inbox)).toMatchObject({
      type: 'connected',
      address: '127.0.0.1',
    })
    ws.send(Buffer.from('same host'))
    expect((await inbox.readBytes(9)).toString()).toBe('same host')
    expect(lookups).toBe(1)
    ws.close()
  })

  it('close 4001 when the host name does not resolve', async () => {
    const { url } = await startRelay({ allow: ['*:80'] })
    const { code, reason } = await (
      await openV1(url, { host: 'wsrelay-test.invalid', port: 80 })
    ).inbox.closed()
    expect(code).toBe(CloseCode.TARGET_DNS_FAILED)
    expect(reason).toMatch(
      /^Cannot resolve TCP target wsrelay-test\.invalid:80 \((ENOTFOUND|EAI_AGAIN)\)\.$/,
    )
  })
})
