import { once } from 'node:events'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import net from 'node:net'
import { join } from 'node:path'
import { CloseCode, describeClose, tokenSubprotocol } from '@wsrelay/protocol'
import { beforeAll, describe, expect, it } from 'vitest'
import { lacks, selfSignedCertificate } from '@wsrelay/test-kit/tools'
import { startEchoServer, startTcpServer } from '@wsrelay/test-kit'
import { WebSocket } from 'ws'
import { loadCliFiles, parseCliArgs } from '../settings/cli-args.js'
import type { RelayOptions } from '../settings/relay-options.js'
import { createRelay } from '../server/create-relay.js'
import { openWebSocket, readBytes } from '../test-support/sockets.js'
import { captureLogs } from '../test-support/streams.js'
import { createHarness } from '../test-support/harness.js'

const { defer } = createHarness()

async function echoRelay(options: Omit<RelayOptions, 'target'> = {}) {
  const echo = await startEchoServer()
  defer(() => echo.close())
  const relay = createRelay({ target: `127.0.0.1:${echo.port}`, ...options })
  const address = await relay.listen()
  defer(() => relay.close())
  return { echo, relay, ...address }
}

/**
 * What a client meets: the HTTP status of a refused upgrade, the close code of
 * a WebSocket accepted and then closed at once (a refusal the page can read),
 * or 'open' for one that stays open.
 */
async function upgradeStatus(
  url: string,
  protocols?: string[],
  options?: ConstructorParameters<typeof WebSocket>[2],
): Promise<number | 'open'> {
  const ws = new WebSocket(url, protocols, options)
  ws.on('error', () => undefined)
  const outcome = await Promise.race([
    once(ws, 'open').then(async () => {
      // Accepted: either a close arrives at once, or the pipe works.
      ws.send('ping')
      return Promise.race([
        once(ws, 'message').then(() => 'open' as const),
        once(ws, 'close').then(([code]) => code as number),
      ])
    }),
    once(ws, 'unexpected-response').then(
      ([, res]) => (res as { statusCode: number }).statusCode,
    ),
  ])
  ws.terminate()
  return outcome
}

describe('origin policy', () => {
  it("accepts the relay's own origin and clients that send none", async () => {
    const { url, port } = await echoRelay()
    expect(
      await upgradeStatus(url, undefined, {
        origin: `http://127.0.0.1:${port}`,
      }),
    ).toBe('open')
    expect(await upgradeStatus(url)).toBe('open')
  })

  it('refuses another origin with 4103 and a reason the page can read, and logs it', async () => {
    const { logger, lines } = captureLogs()
    const { url, echo } = await echoRelay({ logger })
    const ws = new WebSocket(url, { origin: 'https://evil.example' })
    const [code, reason] = (await once(ws, 'close')) as [number, Buffer]
    expect({ code, reason: reason.toString() }).toEqual({
      code: CloseCode.ORIGIN_NOT_ALLOWED,
      reason:
        'Origin https://evil.example is not allowed. The relay operator can allow it with --allow-origin https://evil.example',
    })
    expect(echo.sockets).toHaveLength(0) // no TCP connection for a refused page
    expect(lines).toContainEqual(
      expect.objectContaining({
        level: 40,
        closeCode: CloseCode.ORIGIN_NOT_ALLOWED,
        errorCode: 'RELAY_ORIGIN_REJECTED',
        msg: 'connection refused: Origin https://evil.example is not allowed. The relay operator can allow it with --allow-origin https://evil.example',
      }),
    )
  })

  it('refuses a hybi-08 client whose Sec-WebSocket-Origin is foreign', async () => {
    const { url } = await echoRelay()
    const ws = new WebSocket(url, {
      protocolVersion: 8,
      origin: 'http://evil.example',
    })
    const [code] = (await once(ws, 'close')) as [number]
    expect(code).toBe(CloseCode.ORIGIN_NOT_ALLOWED)
  })

  it('accepts origins named with --allow-origin, or all with *', async () => {
    const listed = await echoRelay({ allowOrigin: ['https://app.example'] })
    expect(
      await upgradeStatus(listed.url, undefined, {
        origin: 'https://app.example',
      }),
    ).toBe('open')
    expect(
      await upgradeStatus(listed.url, undefined, {
        origin: 'https://other.example',
      }),
    ).toBe(CloseCode.ORIGIN_NOT_ALLOWED)
    const all = await echoRelay({ allowOrigin: ['*'] })
    expect(
      await upgradeStatus(all.url, undefined, {
        origin: 'https://other.example',
      }),
    ).toBe('open')
  })
})

describe('token auth', () => {
  const TOKEN = 'f3a9c1d2e4b5a6978812aabbccddeeff'

  it('accepts the right token offered as a subprotocol, and never selects or logs it', async () => {
    const { logger, lines } = captureLogs()
    const { url } = await echoRelay({ token: TOKEN, logger })
    const ws = await openWebSocket(url, ['binary', tokenSubprotocol(TOKEN)])
    expect(ws.protocol).toBe('binary')
    ws.send('authorized')
    expect((await readBytes(ws, 10)).toString()).toBe('authorized')
    ws.close()
    expect(JSON.stringify(lines)).not.toContain(TOKEN)
  })

  it('refuses a wrong or missing token with 4104 before any TCP connection is made', async () => {
    const { logger, lines } = captureLogs()
    const target = await startTcpServer()
    defer(() => target.close())
    const relay = createRelay({
      target: `127.0.0.1:${target.port}`,
      token: TOKEN,
      logger,
    })
    const { url } = await relay.listen()
    defer(() => relay.close())

    expect(
      await upgradeStatus(url, ['binary', tokenSubprotocol(`${TOKEN}x`)]),
    ).toBe(CloseCode.UNAUTHORIZED)
    expect(await upgradeStatus(url, ['binary'])).toBe(CloseCode.UNAUTHORIZED)
    expect(await upgradeStatus(url)).toBe(CloseCode.UNAUTHORIZED)
    expect(target.sockets).toHaveLength(0)
    expect(lines.map((l) => l.msg)).toEqual(
      expect.arrayContaining([
        'connection refused: Wrong token.',
        'connection refused: No token was offered.',
      ]),
    )
    // The reason says what happened; the hint says once what to offer.
    expect(describeClose(CloseCode.UNAUTHORIZED, 'Wrong token.').message).toBe(
      'Closed 4104 UNAUTHORIZED: Wrong token. Offer the token as the subprotocol wsrelay.token.<token> (the client option token).',
    )
    expect(JSON.stringify(lines)).not.toContain(TOKEN)
  })

  it('reads the token from --token-file or WSRELAY_TOKEN, not both', () => {
    const read = (path: string) => (path === 'token.txt' ? `${TOKEN}\n` : '')
    const settingsOf = (argv: string[], env: Record<string, string>) => {
      const command = parseCliArgs([...argv, '8080', '127.0.0.1:1'], env, read)
      if (command.kind !== 'run') throw new Error(command.kind)
      return command.settings
    }
    expect(
      loadCliFiles(settingsOf(['--token-file', 'token.txt'], {}), read).token,
    ).toBe(TOKEN)
    expect(
      loadCliFiles(settingsOf([], { WSRELAY_TOKEN: TOKEN }), read).token,
    ).toBe(TOKEN)
    expect(() =>
      settingsOf(['--token-file', 'token.txt'], { WSRELAY_TOKEN: TOKEN }),
    ).toThrow('Give the token once: --token-file or WSRELAY_TOKEN, not both.')
    // One check, one message, whichever way the token came.
    expect(() =>
      createRelay({ target: '127.0.0.1:1', token: 'short' }),
    ).toThrow(
      'Invalid option token <redacted>: expected 16-256 of A-Z a-z 0-9 . _ ~ + -.',
    )
    expect(() =>
      loadCliFiles(settingsOf(['--token-file', 'short.txt'], {}), (p) =>
        p === 'short.txt' ? 'short\n' : '',
      ),
    ).toThrow(
      'Invalid --token-file short.txt <redacted>: expected 16-256 of A-Z a-z 0-9 . _ ~ + -.',
    )
  })
})

describe.skipIf(lacks('openssl'))('TLS', () => {
  let dir = ''
  const pem = (name: string) => readFileSync(join(dir, name), 'utf8')

  beforeAll(() => {
    // A throwaway self-signed certificate for 127.0.0.1, made for this test run.
    dir = mkdtempSync(join(tmpdir(), 'wsrelay-tls-'))
    for (const name of ['a', 'b']) selfSignedCertificate(dir, name)
  })

  it('cuts TLS clients that say nothing, or half a ClientHello, at the handshake timeout', async () => {
    const { port } = await echoRelay({
      tls: { cert: pem('a.crt'), key: pem('a.key') },
      handshakeTimeout: 300,
    })
    const started = Date.now()
    const sockets = await Promise.all(
      Array.from({ length: 50 }, async (_, i) => {
        const socket = net.connect(port, '127.0.0.1')
        socket.on('error', () => undefined)
        await once(socket, 'connect')
        // Half of them start a ClientHello (record header only) and stop.
        if (i % 2) socket.write(Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00]))
        return socket
      }),
    )
    await Promise.all(sockets.map((s) => once(s, 'close')))
    expect(Date.now() - started).toBeLessThan(3000)
  })

  it('serves wss:// and https:// on the same port', async () => {
    const { url, port } = await echoRelay({
      tls: { cert: pem('a.crt'), key: pem('a.key') },
    })
    expect(url).toBe(`wss://127.0.0.1:${port}/`)
    const ws = await openWebSocket(url, undefined, { ca: pem('a.crt') })
    ws.send('over tls')
    expect((await readBytes(ws, 8)).toString()).toBe('over tls')
    ws.close()
    // https on the same port: check the health endpoint with the same CA.
    const https = await import('node:https')
    const status = await new Promise<number | undefined>((resolve, reject) =>
      https
        .get(
          `https://127.0.0.1:${port}/healthz`,
          { ca: pem('a.crt') },
          (res) => {
            res.resume()
            resolve(res.statusCode)
          },
        )
        .on('error', reject),
    )
    expect(status).toBe(200)
  })

  it('says clearly when the certificate and key do not match, or a file cannot be read', () => {
    expect(() =>
      createRelay({
        target: '127.0.0.1:1',
        tls: { cert: pem('a.crt'), key: pem('b.key') },
      }),
    ).toThrow(
      expect.objectContaining({
        code: 'RELAY_TLS_INVALID',
        message: expect.stringMatching(
          /^The TLS certificate and key cannot be used together \(.+\)\. Check that --cert and --key are PEM files of one key pair\.$/,
        ) as string,
      }),
    )
    const missing = join(dir, 'missing.pem')
    const command = parseCliArgs(
      ['--cert', missing, '--key', missing, '8080', '127.0.0.1:1'],
      {},
    )
    if (command.kind !== 'run') throw new Error(command.kind)
    expect(() =>
      loadCliFiles(command.settings, (p) => readFileSync(p, 'utf8')),
    ).toThrow(
      `Cannot read --cert ${missing} (ENOENT). Check the path and that the relay's user may read it.`,
    )
  })
})

describe('trusted proxies', () => {
  const openedFrom = (lines: Record<string, unknown>[]) =>
    lines.filter((l) => l.msg === 'connection open').map((l) => l.client)

  it('takes the client IP from X-Forwarded-For only when the peer is a trusted proxy', async () => {
    const { logger, lines } = captureLogs()
    const { url } = await echoRelay({ trustProxy: ['127.0.0.1/32'], logger })
    const headers = { 'X-Forwarded-For': '198.51.100.1, 203.0.113.7' }

    const viaProxy = await openWebSocket(url, undefined, { headers })
    const direct = await openWebSocket(url, undefined, {
      headers,
      localAddress: '127.0.0.2',
    })
    expect(openedFrom(lines)).toEqual(['203.0.113.7', '127.0.0.2'])
    viaProxy.close()
    direct.close()
  })

  it('applies per-IP limits to the forwarded client address', async () => {
    const { url } = await echoRelay({
      trustProxy: ['127.0.0.1'],
      maxConnectionsPerIp: 1,
    })
    const a = await openWebSocket(url, undefined, {
      headers: { 'X-Forwarded-For': '203.0.113.1' },
    })
    const b = await openWebSocket(url, undefined, {
      headers: { 'X-Forwarded-For': '203.0.113.2' },
    })
    const again = new WebSocket(url, {
      headers: { 'X-Forwarded-For': '203.0.113.1' },
    })
    const [code, reason] = (await once(again, 'close')) as [number, Buffer]
    expect({ code, reason: reason.toString() }).toEqual({
      code: CloseCode.RELAY_OVERLOADED,
      reason:
        'Too many connections from 203.0.113.1 (limit 1). Try again later.',
    })
    a.close()
    b.close()
  })
})
