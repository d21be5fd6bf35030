import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { NetworkMonitor } from '../reconnect/network.js'
import { DRAIN_POLL_MS } from './drain-waiters.js'
import { STABLE_SESSION_MS, connectRelay } from './relay-client.js'
import type {
  RelayClientOptions,
  WebSocketConstructorLike,
  WebSocketLike,
} from './types.js'

/** A scripted stand-in for the browser WebSocket: tests drive its events. */
class FakeWebSocket implements WebSocketLike {
  static last: FakeWebSocket | undefined
  static created = 0
  binaryType = 'blob'
  bufferedAmount = 0
  readyState = 0
  protocol = ''
  readonly sent: unknown[] = []
  closedWith: [number | undefined, string | undefined] | undefined
  private readonly listeners = new Map<string, ((event: never) => void)[]>()

  constructor(
    readonly url: string,
    readonly protocols?: string | string[],
  ) {
    FakeWebSocket.last = this
    FakeWebSocket.created++
  }
  addEventListener(type: string, listener: (event: never) => void): void {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener])
  }
  send(data: unknown): void {
    this.sent.push(data)
  }
  close(code?: number, reason?: string): void {
    this.closedWith = [code, reason]
    this.readyState = 2
  }
  fire(type: string, event: object = {}): void {
    if (type === 'open') this.readyState = 1
    if (type === 'close') this.readyState = 3
    // Like a browser's event: the fields are getters on its prototype, not own properties.
    const browserLike = Object.create(
      Object.defineProperties(
        {},
        Object.fromEntries(
          Object.entries(event).map(([key, value]) => [
            key,
            { get: () => value as unknown },
          ]),
        ),
      ),
    ) as object
    for (const l of this.listeners.get(type) ?? []) l(browserLike as never)
  }
}

// The browser's WebSocket must fit the injected-constructor type (a type-level
// check: Node 20 has no global WebSocket; the relay tests cover \`ws\`).
const browserFits: typeof WebSocket extends WebSocketConstructorLike
  ? true
  : false = true
void browserFits

const connect = () => {
  const client = connectRelay('ws://relay.test/relay', {
    WebSocket: FakeWebSocket,
  })
  const socket = FakeWebSocket.last
  if (!socket) throw new Error('no socket created')
  return { client, socket }
}

describe('connectRelay', () => {
  it('offers the binary subprotocol and asks for ArrayBuffers', () => {
    const { socket } = connect()
    expect(socket.protocols).toEqual(['binary'])
    expect(socket.binaryType).toBe('arraybuffer')
  })

  it('reports open, then sends strings as UTF-8 bytes', () => {
    const { client, socket } = connect()
    const opened: string[] = []
    client.on('open', ({ protocol }) => opened.push(protocol))
    socket.protocol = 'binary'
    socket.fire('open')
    expect(opened).toEqual(['binary'])
    expect(client.state).toBe('open')

    client.send('hé\n')
    expect(socket.sent).toEqual([new Uint8Array([0x68, 0xc3, 0xa9, 0x0a])])
  })

  it('throws CLIENT_NOT_OPEN when sending before open', () => {
    const { client } = connect()
    expect(() => client.send('x')).toThrow(
      expect.objectContaining({
        code: 'CLIENT_NOT_OPEN',
        message:
          'Cannot send: the connection to ws://relay.test/relay is connecting. Wait for the open event.',
      }),
    )
  })

  it('decodes UTF-8 as a stream, so a split character is never garbled', () => {
    const { client, socket } = connect()
    const texts: string[] = []
    client.on('message', ({ text }) => texts.push(text))
    socket.fire('open')
    const bytes = new TextEncoder().encode('a€b') // € is 3 bytes
    socket.fire('message', { data: bytes.slice(0, 2).buffer })
    socket.fire('message', { data: bytes.slice(2).buffer })
    expect(texts).toEqual(['a', '€b'])
  })

  it('turns the close code and reason into words', () => {
    const { client, socket } = connect()
    const messages: string[] = []
    client.on('close', ({ message, wasClean }) =>
      messages.push(`${message} clean=${wasClean}`),
    )
    socket.fire('close', { code: 1013, reason: '', wasClean: true })
    expect(messages).toEqual([
      'Closed 1013 RELAY_OVERLOADED: The relay is at its connection limit. ' +
        'Try again later, or raise --max-connections on the relay. clean=true',
    ])
  })

  it('emits a typed error, and stops calling a listener once unsubscribed', () => {
    const { client, socket } = connect()
    const codes: string[] = []
    const off = client.on('error', (err) => codes.push(err.code))
    socket.fire('error')
    off()
    socket.fire('error')
    expect(codes).toEqual(['CLIENT_CONNECTION_ERROR'])
  })

  it('rejects a URL that is not ws:// or wss:// and a missing WebSocket', () => {
    expect(() =>
      connectRelay('ws://x/', {
        WebSocket: FakeWebSocket,
        reconnect: { factor: 0.5 },
      }),
    ).toThrow(
      expect.objectContaining({
        code: 'CLIENT_INVALID_OPTION',
        message: 'reconnect.factor is 0.5; expected a number >= 1.',
      }),
    )
    expect(() =>
      connectRelay('http://x/', { WebSocket: FakeWebSocket }),
    ).toThrow(expect.objectContaining({ code: 'CLIENT_INVALID_URL' }))
    // Node 22 and later have a global WebSocket: take it away, as Node 20 has none.
    vi.stubGlobal('WebSocket', undefined)
    try {
      expect(() => connectRelay('ws://x/', { WebSocket: undefined })).toThrow(
        expect.objectContaining({
          code: 'CLIENT_NO_WEBSOCKET',
          message:
            'No WebSocket implementation: pass options.WebSocket (e.g. the "ws" package in Node 20).',
        }),
      )
    } finally {
      vi.unstubAllGlobals()
    }
  })

  it('closes with 1000 by default; a code the browser would refuse throws and the session stays open', () => {
    const { client, socket } = connect()
    socket.fire('open')
    expect(() => client.close(1001)).toThrow(
      expect.objectContaining({
        code: 'CLIENT_INVALID_OPTION',
        message:
          'close(1001): a page may close with 1000 or a code from 3000 to 4999.',
      }),
    )
    expect(() => client.close(4000, 'x'.repeat(124))).toThrow(
      expect.objectContaining({
        code: 'CLIENT_INVALID_OPTION',
        message:
          'close(4000, reason): the reason is 124 bytes of UTF-8; at most 123 fit in a close frame.',
      }),
    )
    expect(client.state).toBe('open')
    client.close()
    expect(socket.closedWith).toEqual([1000, ''])
    expect(client.state).toBe('closing')
  })

  it('rejects a URL the WebSocket constructor would reject (ws://a b) at once', () => {
    expect(() =>
      connectRelay('ws://a b', { WebSocket: FakeWebSocket }),
    ).toThrow(
      expect.objectContaining({
        code: 'CLIENT_INVALID_URL',
        message:
          'Invalid relay URL "ws://a b": expected ws://host:port/path or wss://...',
      }),
    )
  })

  it('a WebSocket that cannot be created leaves the client closed with the error, never stuck', () => {
    class RefusingWebSocket extends FakeWebSocket {
      constructor(url: string, protocols?: string | string[]) {
        super(url, protocols)
        throw new Error("Failed to construct 'WebSocket': blocked")
      }
    }
    const client = connectRelay('ws://relay.test/', {
      WebSocket: RefusingWebSocket,
      autoConnect: false,
    })
    const seen: string[] = []
    client.on('state', ({ from, to, error }) =>
      seen.push(`${from}->${to}${error ? ` ${error.code}` : ''}`),
    )
    client.on('error', ({ code, message }) =>
      seen.push(`error ${code}: ${message}`),
    )
    client.connect()
    expect(client.state).toBe('closed')
    expect(seen).toEqual([
      'idle->connecting',
      `error CLIENT_INVALID_URL: Cannot open a WebSocket to "ws://relay.test/": Failed to construct 'WebSocket': blocked`,
      'connecting->closed CLIENT_INVALID_URL',
    ])
    client.close()
    expect(client.state).toBe('closed')
    client.connect()
    expect(client.state).toBe('closed')
    expect(client.session).toBe(2)
  })

  describe('wsrelay.v1', () => {
    const connectV1 = (token?: string) => {
      const client = connectRelay('ws://relay.test/relay', {
        WebSocket: FakeWebSocket,
        protocol: 'v1',
        token,
      })
      const socket = FakeWebSocket.last
      if (!socket) throw new Error('no socket created')
      socket.fire('open')
      return { client, socket }
    }

    it('offers wsrelay.v1, and the token as its own subprotocol entry', () => {
      const { socket } = connectV1('0123456789abcdef0123')
      expect(socket.protocols).toEqual([
        'wsrelay.v1',
        'wsrelay.token.0123456789abcdef0123',
      ])
      expect(socket.url).toBe('ws://relay.test/relay')
    })

    it('open() sends the open message and resolves with connected', async () => {
      const { client, socket } = connectV1()
      const connected = client.open({ host: 'game.example', port: 7000 })
      expect(socket.sent).toEqual([
        '{"type":"open","host":"game.example","port":7000}',
      ])
      socket.fire('message', {
        data: '{"type":"connected","host":"game.example","port":7000,"address":"203.0.113.9"}',
      })
      await expect(connected).resolves.toEqual({
        type: 'connected',
        host: 'game.example',
        port: 7000,
        address: '203.0.113.9',
        url: 'ws://relay.test/relay',
        description: 'game.example:7000 at 203.0.113.9',
      })
      expect(() => client.open()).toThrow(
        expect.objectContaining({ code: 'CLIENT_ALREADY_OPENED' }),
      )
    })

    it('open() asks for UDP, and the connected event says so in words', async () => {
      const { client, socket } = connectV1()
      const connected = client.open({ route: 'game', transport: 'udp' })
      expect(socket.sent).toEqual([
        '{"type":"open","route":"game","transport":"udp"}',
      ])
      socket.fire('message', {
        data: '{"type":"connected","route":"game","transport":"udp"}',
      })
      await expect(connected).resolves.toEqual({
        type: 'connected',
        route: 'game',
        transport: 'udp',
        url: 'ws://relay.test/relay',
        description: 'route game over UDP',
      })
    })

    it('emits dropped with the totals of each notice, for this session', async () => {
      const { client, socket } = connectV1()
      const dropped: unknown[] = []
      client.on('dropped', (event) => dropped.push(event))
      const opened = client.open({ transport: 'udp' })
      socket.fire('message', { data: '{"type":"connected","transport":"udp"}' })
      expect((await opened).description).toBe(
        'the default target of ws://relay.test/relay over UDP',
      )
      socket.fire('message', {
        data: '{"type":"notice","kind":"dropped","datagrams":3,"bytes":192}',
      })
      socket.fire('message', {
        data: '{"type":"notice","kind":"dropped","datagrams":10,"bytes":640}',
      })
      expect(dropped).toEqual([
        { datagrams: 3, bytes: 192, session: 1 },
        { datagrams: 10, bytes: 640, session: 1 },
      ])
    })

    it('open() rejects with the close message when the relay refuses', async () => {
      const { client, socket } = connectV1()
      const connected = client.open({ route: 'nope' })
      socket.fire('close', {
        code: 4102,
        reason: 'No route named "nope" on this relay.',
        wasClean: true,
      })
      await expect(connected).rejects.toMatchObject({
        code: 'CLIENT_OPEN_FAILED',
        message:
          'Closed 4102 TARGET_NOT_ALLOWED: No route named "nope" on this relay. Ask the relay operator to allow it (--allow or --route).',
      })
    })

    /** open() answered by the relay: the target is connected. */
    const connectedV1 = async () => {
      const { client, socket } = connectV1()
      const opened = client.open()
      socket.fire('message', { data: '{"type":"connected"}' })
      await opened
      socket.sent.length = 0
      return { client, socket }
    }

    it('ping() resolves with the round trip; a close rejects pending pings', async () => {
      const { client, socket } = await connectedV1()
      const rtt = client.ping()
      const sent = JSON.parse(String(socket.sent[0])) as {
        type: string
        id: number
        ts: number
      }
      expect(sent).toMatchObject({ type: 'ping', id: 1 })
      socket.fire('message', {
        data: JSON.stringify({ type: 'pong', id: sent.id, ts: sent.ts }),
      })
      expect(await rtt).toBeGreaterThanOrEqual(0)

      const lost = client.ping()
      socket.fire('close', { code: 1006, reason: '', wasClean: false })
      await expect(lost).rejects.toMatchObject({ code: 'CLIENT_NOT_OPEN' })
    })

    it('ping() and end() before open() throw instead of breaking the relay rule (1008)', () => {
      const { client, socket } = connectV1()
      expect(() => client.ping()).toThrow(
        expect.objectContaining({
          code: 'CLIENT_NOT_OPEN',
          message:
            'Cannot ping: call open() first; the relay takes ping only after open.',
        }),
      )
      expect(() => client.end()).toThrow(
        expect.objectContaining({
          code: 'CLIENT_NOT_OPEN',
          message:
            'Cannot end: call open() first; the relay takes end only after open.',
        }),
      )
      expect(socket.sent).toEqual([])
    })

    it("end() sends end once, however often it is called; the relay's end is an event; control frames never reach message", async () => {
      const { client, socket } = await connectedV1()
      const events: string[] = []
      client.on('end', () => events.push('end'))
      client.on('message', () => events.push('message'))
      client.on('target', ({ from, to }) => events.push(`${from}->${to}`))
      client.end()
      client.end()
      expect(client.targetState).toBe('input-ended')
      socket.fire('message', { data: '{"type":"end"}' })
      client.end()
      expect(socket.sent).toEqual(['{"type":"end"}'])
      expect(events).toEqual([
        'connected->input-ended',
        'input-ended->ended',
        'end',
      ])
      expect(client.targetState).toBe('ended')
    })

    it('the target state follows the session: opening, connected, target-ended, ended; a new session starts at none', async () => {
      const { client, socket } = connectV1()
      const moves: string[] = []
      client.on('target', ({ from, to, session }) =>
        moves.push(`${session}:${from}->${to}`),
      )
      expect(client.targetState).toBe('none')
      const opened = client.open({ route: 'echo' })
      socket.fire('message', { data: '{"type":"connected","route":"echo"}' })
      await expect(opened).resolves.toMatchObject({ description: 'route echo' })
      socket.fire('message', { data: '{"type":"end"}' })
      expect(client.targetState).toBe('target-ended')
      client.send('still allowed\n')
      client.end()
      const closes: unknown[] = []
      client.on('close', ({ targetState, wasOpen }) =>
        closes.push({ targetState, wasOpen }),
      )
      socket.fire('close', {
        code: 1000,
        reason: 'Both sides ended.',
        wasClean: true,
      })
      expect(moves).toEqual([
        '1:none->opening',
        '1:opening->connected',
        '1:connected->target-ended',
        '1:target-ended->ended',
      ])
      expect(closes).toEqual([{ targetState: 'ended', wasOpen: true }])
      client.connect()
      expect(client.targetState).toBe('none')
    })

    it('a connected or an end the client did not wait for is reported as a protocol error', () => {
      const { client, socket } = connectV1()
      const errors: string[] = []
      client.on('error', ({ code, message }) =>
        errors.push(`${code} ${message}`),
      )
      socket.fire('message', { data: '{"type":"end"}' })
      socket.fire('message', { data: '{"type":"connected"}' })
      expect(errors).toEqual([
        'CLIENT_PROTOCOL_ERROR The relay sent an invalid control message: end while the target is none.',
        'CLIENT_PROTOCOL_ERROR The relay sent an invalid control message: connected while the target is none.',
      ])
      expect(client.targetState).toBe('none')
    })

    it('open() right after connectRelay() waits for the socket, then sends open; the default target is named by the relay URL', async () => {
      const client = connectRelay('ws://relay.test/relay', {
        WebSocket: FakeWebSocket,
        protocol: 'v1',
      })
      const socket = FakeWebSocket.last!
      const opened = client.open()
      expect(client.targetState).toBe('opening')
      expect(socket.sent).toEqual([])
      socket.fire('open')
      expect(socket.sent).toEqual(['{"type":"open"}'])
      socket.fire('message', { data: '{"type":"connected"}' })
      await expect(opened).resolves.toEqual({
        type: 'connected',
        url: 'ws://relay.test/relay',
        description: 'the default target of ws://relay.test/relay',
      })
    })

    it('open() while connecting rejects with the close message when no relay answers', async () => {
      const client = connectRelay('ws://relay.test/relay', {
        WebSocket: FakeWebSocket,
        protocol: 'v1',
      })
      const opened = client.open()
      const closes: unknown[] = []
      client.on('close', ({ wasOpen, targetState }) =>
        closes.push({ wasOpen, targetState }),
      )
      FakeWebSocket.last!.fire('close', {
        code: 1006,
        reason: '',
        wasClean: false,
      })
      await expect(opened).rejects.toMatchObject({
        code: 'CLIENT_OPEN_FAILED',
        message: expect.stringMatching(
          /^Closed 1006 ABNORMAL_CLOSURE: /,
        ) as string,
      })
      expect(closes).toEqual([{ wasOpen: false, targetState: 'opening' }])
      expect(() => client.open()).toThrow(
        expect.objectContaining({ code: 'CLIENT_NOT_OPEN' }),
      )
    })

    it('refuses v1 calls on a binary connection', () => {
      const { client, socket } = connect()
      socket.fire('open')
      expect(() => client.ping()).toThrow(
        expect.objectContaining({
          code: 'CLIENT_NOT_V1',
          message:
            "ping() needs the wsrelay.v1 subprotocol: connectRelay(url, { protocol: 'v1' }).",
        }),
      )
    })
  })
})

/** A network that tests switch on and off, as the browser's online/offline events would. */
function fakeNetwork(isOnline = true) {
  const listeners = new Set<(isOnline: boolean) => void>()
  let online = isOnline
  return {
    get isOnline() {
      return online
    },
    subscribe(listener: (isOnline: boolean) => void) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    set(value: boolean) {
      online = value
      for (const listener of [...listeners]) listener(value)
    },
  } satisfies NetworkMonitor & { set(online: boolean): void }
}

describe('states and reconnecting', () => {
  beforeEach(() => {
    vi.useFakeTimers()
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  const start = (
    reconnect: RelayClientOptions['reconnect'] = { jitter: 0 },
    network = fakeNetwork(),
  ) => {
    const client = connectRelay('ws://relay.test/', {
      WebSocket: FakeWebSocket,
      reconnect,
      network,
    })
    const states: string[] = []
    client.on('state', ({ to, retryInMs, isOffline }) =>
      states.push(
        to === 'waiting-to-reconnect'
          ? `${to} ${isOffline ? 'offline' : `${retryInMs}ms`}`
          : to,
      ),
    )
    const socket = () => {
      const last = FakeWebSocket.last
      if (!last) throw new Error('no socket')
      return last
    }
    return { client, states, socket, network }
  }

  it('moves idle -> connecting -> open -> closing -> closed, and connect() starts a new session', () => {
    const client = connectRelay('ws://relay.test/', {
      WebSocket: FakeWebSocket,
      autoConnect: false,
    })
    const states: string[] = []
    client.on('state', ({ from, to }) => states.push(`${from}->${to}`))
    expect(client.state).toBe('idle')
    client.connect()
    FakeWebSocket.last?.fire('open')
    client.close()
    FakeWebSocket.last?.fire('close', {
      code: 1000,
      reason: '',
      wasClean: true,
    })
    expect(states).toEqual([
      'idle->connecting',
      'connecting->open',
      'open->closing',
      'closing->closed',
    ])
    expect(() => client.send('x')).toThrow(
      expect.objectContaining({ code: 'CLIENT_NOT_OPEN' }),
    )
    client.connect()
    expect(client.state).toBe('connecting')
    expect(client.session).toBe(2)
  })

  it('reconnects with exponential backoff up to maxDelayMs, each time a new session', () => {
    const { client, states, socket } = start({
      initialDelayMs: 100,
      maxDelayMs: 500,
      jitter: 0,
    })
    const opens: string[] = []
    client.on('open', ({ session, isReconnect }) =>
      opens.push(`${session}:${isReconnect}`),
    )
    socket().fire('open')
    for (let i = 0; i < 5; i++) {
      socket().fire('close', { code: 1006, reason: '', wasClean: false })
      vi.runOnlyPendingTimers()
    }
    socket().fire('open')
    expect(states.filter((s) => s.startsWith('waiting'))).toEqual([
      'waiting-to-reconnect 100ms',
      'waiting-to-reconnect 200ms',
      'waiting-to-reconnect 400ms',
      'waiting-to-reconnect 500ms',
      'waiting-to-reconnect 500ms',
    ])
    expect(opens).toEqual(['1:false', '6:true'])
  })

  it('waits exactly the backoff delay before the next attempt', () => {
    const { socket } = start({ initialDelayMs: 1000, jitter: 0 })
    socket().fire('close', { code: 1001, reason: '', wasClean: true })
    const before = FakeWebSocket.created
    vi.advanceTimersByTime(999)
    expect(FakeWebSocket.created).toBe(before)
    vi.advanceTimersByTime(1)
    expect(FakeWebSocket.created).toBe(before + 1)
  })

  it('takes up to `jitter` of each delay off at random', () => {
    const { states, socket } = start({
      initialDelayMs: 1000,
      jitter: 0.5,
      random: () => 0.5,
    })
    socket().fire('close', { code: 1006, reason: '', wasClean: false })
    expect(states.at(-1)).toBe('waiting-to-reconnect 750ms')
  })

  it('does not retry what a retry cannot fix: 1000, 1008, 4102, 4103', () => {
    for (const code of [1000, 1008, 4102, 4103]) {
      const { client, socket } = start()
      const closes: boolean[] = []
      client.on('close', ({ willReconnect }) => closes.push(willReconnect))
      socket().fire('open')
      socket().fire('close', { code, reason: '', wasClean: true })
      expect([code, client.state, closes]).toEqual([code, 'closed', [false]])
    }
  })

  it('gives up after maxAttempts failed attempts in a row', () => {
    const { client, socket } = start({ maxAttempts: 2, jitter: 0 })
    socket().fire('close', { code: 1006, reason: '', wasClean: false })
    vi.runOnlyPendingTimers()
    socket().fire('close', { code: 1006, reason: '', wasClean: false })
    vi.runOnlyPendingTimers()
    socket().fire('close', { code: 1006, reason: '', wasClean: false })
    expect(client.state).toBe('closed')
  })

  it('retryNow() skips the wait; close() and turning autoReconnect off cancel it', () => {
    const { client, socket } = start({ initialDelayMs: 60_000, jitter: 0 })
    socket().fire('close', { code: 1006, reason: '', wasClean: false })
    expect(client.state).toBe('waiting-to-reconnect')
    client.retryNow()
    expect(client.state).toBe('connecting')
    socket().fire('close', { code: 1006, reason: '', wasClean: false })
    client.close()
    expect(client.state).toBe('closed')
    expect(vi.getTimerCount()).toBe(0)

    client.retryNow()
    socket().fire('close', { code: 1006, reason: '', wasClean: false })
    client.autoReconnect = false
    expect(client.state).toBe('closed')
    expect(vi.getTimerCount()).toBe(0)
  })

  it('pauses while offline and reconnects at once when the network comes back', () => {
    const network = fakeNetwork(true)
    const { client, states, socket } = start(
      { initialDelayMs: 5000, jitter: 0 },
      network,
    )
    socket().fire('open')
    socket().fire('close', { code: 1006, reason: '', wasClean: false })
    network.set(false)
    expect(states.slice(-2)).toEqual([
      'waiting-to-reconnect 5000ms',
      'waiting-to-reconnect offline',
    ])
    const before = FakeWebSocket.created
    vi.advanceTimersByTime(60_000)
    expect(FakeWebSocket.created).toBe(before)
    expect(client.state).toBe('waiting-to-reconnect')
    network.set(true)
    expect(client.state).toBe('connecting')
    expect(FakeWebSocket.created).toBe(before + 1)
  })

  it('a close while offline waits for the network, not a timer', () => {
    const network = fakeNetwork(false)
    const { client, states, socket } = start({ jitter: 0 }, network)
    socket().fire('close', { code: 1006, reason: '', wasClean: false })
    expect(states.at(-1)).toBe('waiting-to-reconnect offline')
    expect(vi.getTimerCount()).toBe(0)
    network.set(true)
    expect(client.state).toBe('connecting')
  })

  it('a session that stayed up resets the backoff', () => {
    const { states, socket } = start({ initialDelayMs: 100, jitter: 0 })
    socket().fire('close', { code: 1006, reason: '', wasClean: false })
    vi.runOnlyPendingTimers()
    socket().fire('open')
    vi.advanceTimersByTime(STABLE_SESSION_MS)
    socket().fire('close', { code: 1001, reason: '', wasClean: true })
    expect(states.filter((s) => s.startsWith('waiting'))).toEqual([
      'waiting-to-reconnect 100ms',
      'waiting-to-reconnect 100ms',
    ])
  })

  it('open() may be called again in each new session (v1)', () => {
    const client = connectRelay('ws://relay.test/', {
      WebSocket: FakeWebSocket,
      protocol: 'v1',
      reconnect: { jitter: 0 },
      network: fakeNetwork(),
    })
    const sessions: number[] = []
    client.on('open', ({ session }) => {
      sessions.push(session)
      void client.open().catch(() => undefined)
    })
    FakeWebSocket.last?.fire('open')
    FakeWebSocket.last?.fire('close', {
      code: 1001,
      reason: '',
      wasClean: true,
    })
    vi.runOnlyPendingTimers()
    FakeWebSocket.last?.fire('open')
    expect(sessions).toEqual([1, 2])
    expect(FakeWebSocket.last?.sent).toEqual(['{"type":"open"}'])
  })

  it('drain() resolves once bufferedAmount falls to the threshold, and rejects on close', async () => {
    const { client, socket } = start()
    socket().fire('open')
    socket().bufferedAmount = 5000
    let drained = false
    const waiting = client.drain(1000).then(() => (drained = true))
    await vi.advanceTimersByTimeAsync(DRAIN_POLL_MS * 3)
    expect(drained).toBe(false)
    socket().bufferedAmount = 1000
    await vi.advanceTimersByTimeAsync(DRAIN_POLL_MS)
    await waiting
    expect(drained).toBe(true)

    socket().bufferedAmount = 5000
    const lost = client.drain(0)
    socket().fire('close', { code: 1006, reason: '', wasClean: false })
    await expect(lost).rejects.toMatchObject({ code: 'CLIENT_NOT_OPEN' })
  })
})
