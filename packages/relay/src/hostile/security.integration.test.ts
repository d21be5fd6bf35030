import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { networkInterfaces, tmpdir } from 'node:os'
import { join } from 'node:path'
import { SUBPROTOCOL_BINARY, SUBPROTOCOL_V1 } from '@wsrelay/protocol'
import { describe, expect, it } from 'vitest'
import {
  echoProblem,
  encodeFrame,
  httpRequest,
  Opcode,
  RawConnection,
  runRelayCli,
} from '@wsrelay/test-kit'
import { createHarness } from '@wsrelay/test-kit/harness'

// Issue 7, "Security", against the real CLI: DNS rebinding, hybi-08's
// Sec-WebSocket-Origin, `connected` leaking a route's address, and
// client-chosen targets that stay on this host (embedded loopback, own addresses).

const { defer, echoServer, relayProcess } = createHarness()

/** Upgrades as wsrelay.v1, sends `open`, and waits for `connected` or the close. */
async function openV1(port: number, open: Record<string, unknown>, path = '/') {
  const conn = await RawConnection.open(port, {
    path,
    protocols: [SUBPROTOCOL_V1],
  })
  expect(conn.head?.status).toBe(101)
  conn.sendText(JSON.stringify({ type: 'open', ...open }))
  await conn.waitFor(
    () =>
      conn.ending !== undefined ||
      conn.controlMessages().some((m) => m.type === 'connected'),
    5000,
    'connected or close',
  )
  conn.destroy()
  return conn
}

describe('DNS rebinding', () => {
  it('answers Host and Origin both rebind.attacker.example:PORT with 403 naming --allow-host', async () => {
    const echo = await echoServer()
    const relay = await relayProcess(['127.0.0.1:0', `127.0.0.1:${echo.port}`])
    const name = `rebind.attacker.example:${relay.port}`
    const conn = await RawConnection.open(relay.port, {
      host: name,
      origin: `http://${name}`,
      protocols: [SUBPROTOCOL_BINARY],
    })
    await conn.waitForEnd(3000)
    conn.destroy()
    const refusal =
      `Host "${name}" is not one of this relay's names (a guard against DNS rebinding). ` +
      'If this name is yours, start the relay with --allow-host rebind.attacker.example'
    expect(conn.head).toMatchObject({ status: 403, body: `${refusal}\n` })
    expect(echo.accepted()).toBe(0)
    // Plain HTTP too: a rebinding page cannot read /routes (or anything else).
    const routes = await httpRequest(relay.port, '/routes', {
      headers: { Host: name },
    })
    expect(routes.status).toBe(403)
    expect(routes.body.toString()).toBe(`${refusal}\n`)
  })

  it('answers its own names and a name given with --allow-host, and still echoes', async () => {
    const echo = await echoServer()
    const relay = await relayProcess([
      '--allow-host',
      'rebind.attacker.example',
      '127.0.0.1:0',
      `127.0.0.1:${echo.port}`,
    ])
    for (const host of [
      `rebind.attacker.example:${relay.port}`,
      'rebind.attacker.example',
      `127.0.0.1:${relay.port}`,
      `localhost:${relay.port}`,
    ]) {
      const conn = await RawConnection.open(relay.port, {
        host,
        origin: `http://${host}`,
        protocols: [SUBPROTOCOL_BINARY],
      })
      conn.destroy()
      expect(conn.head?.status, host).toBe(101)
    }
    expect(await echoProblem(relay.port)).toBeUndefined()
  })

  it('still accepts its own origin on 127.0.0.1 (control)', async () => {
    const echo = await echoServer()
    const relay = await relayProcess(['127.0.0.1:0', `127.0.0.1:${echo.port}`])
    const conn = await RawConnection.open(relay.port, {
      origin: `http://127.0.0.1:${relay.port}`,
      protocols: [SUBPROTOCOL_BINARY],
    })
    conn.destroy()
    expect(conn.head?.status).toBe(101)
  })
})

describe('hybi-08 handshakes', () => {
  it('refuses Sec-WebSocket-Version: 8 with Sec-WebSocket-Origin: evil (4103 or HTTP 403)', async () => {
    const echo = await echoServer()
    const relay = await relayProcess(['127.0.0.1:0', `127.0.0.1:${echo.port}`])
    const conn = await RawConnection.open(relay.port, {
      version: '8',
      headers: ['Sec-WebSocket-Origin: http://evil.example'],
      protocols: [SUBPROTOCOL_BINARY],
    })
    const ending = await conn.waitForEnd(3000)
    conn.destroy()
    if (conn.head?.status === 101) {
      expect(ending).toMatchObject({ kind: 'close', code: 4103 })
    } else {
      expect([403, 400, 426]).toContain(conn.head?.status)
    }
    expect(echo.accepted()).toBe(0)
  })
})

describe('connected for a route', () => {
  it('names the route and carries no host, port or address', async () => {
    const echo = await echoServer()
    const relay = await relayProcess([
      '--route',
      `echo=127.0.0.1:${echo.port}`,
      '127.0.0.1:0',
    ])
    const conn = await openV1(relay.port, { route: 'echo' })
    const connected = conn.controlMessages().find((m) => m.type === 'connected')
    expect(connected).toEqual({ type: 'connected', route: 'echo' })
  })

  it('names the route and no address for an open with no fields on a route path', async () => {
    const echo = await echoServer()
    const relay = await relayProcess([
      '--route',
      `echo=127.0.0.1:${echo.port}`,
      '127.0.0.1:0',
    ])
    const conn = await openV1(relay.port, {}, '/echo')
    const connected = conn.controlMessages().find((m) => m.type === 'connected')
    expect(connected).toEqual({ type: 'connected', route: 'echo' })
  })
})

describe('client-chosen targets that would stay on this host', () => {
  it('[::ffff:0:0]/96 does not let a client reach ::ffff:127.0.0.1 (4102, no TCP connection)', async () => {
    const target = await echoServer()
    const relay = await relayProcess([
      '--allow',
      `[::ffff:0:0]/96:${target.port}`,
      '127.0.0.1:0',
    ])
    const conn = await openV1(relay.port, {
      host: '::ffff:127.0.0.1',
      port: target.port,
    })
    expect(conn.ending).toMatchObject({ kind: 'close', code: 4102 })
    expect(target.accepted()).toBe(0)
  })

  const own = Object.values(networkInterfaces())
    .flat()
    .filter(
      (i) => i !== undefined && !i.internal && !i.address.startsWith('fe80'),
    )
    .map((i) => i?.address ?? '')
  it.skipIf(own.length === 0).each(own)(
    "*:PORT does not let a client reach this host's own address %s (4102)",
    async (address) => {
      const target = await echoServer()
      const relay = await relayProcess([
        '--allow',
        `*:${target.port}`,
        '127.0.0.1:0',
      ])
      const conn = await openV1(relay.port, {
        host: address,
        port: target.port,
      })
      expect(conn.ending).toMatchObject({ kind: 'close', code: 4102 })
    },
  )
})

describe('the token, whatever form it arrives in', () => {
  const TOKEN = 'k7Q2-secret.token_value~0123456789'
  const tokenFile = () => {
    const dir = mkdtempSync(join(tmpdir(), 'wsrelay-token-'))
    defer(() => rmSync(dir, { recursive: true, force: true }))
    const file = join(dir, 'token')
    writeFileSync(file, `${TOKEN}\n`)
    return { dir, file }
  }

  it('never appears in an answer, a close reason or a log line', async () => {
    const echo = await echoServer()
    const relay = await relayProcess([
      '--token-file',
      tokenFile().file,
      '127.0.0.1:0',
      `127.0.0.1:${echo.port}`,
    ])
    const shown: string[] = []
    const attempt = async (spec: Parameters<typeof RawConnection.open>[1]) => {
      const conn = await RawConnection.open(relay.port, spec)
      const ending = await conn.waitForEnd(3000)
      conn.destroy()
      shown.push(JSON.stringify(conn.head), JSON.stringify(ending))
      return conn.head?.status
    }
    // The prefix in upper case, and the bare token: unknown subprotocols, 400.
    expect(await attempt({ protocols: [`WSRELAY.TOKEN.${TOKEN}`] })).toBe(400)
    expect(await attempt({ protocols: [TOKEN] })).toBe(400)
    // In the query string, without and with the right subprotocol.
    expect(
      await attempt({ path: `/?token=${TOKEN}`, protocols: ['binary'] }),
    ).toBe(101)
    expect(
      await attempt({
        path: `/vnc?token=${TOKEN}`,
        protocols: ['binary', `wsrelay.token.${TOKEN}`],
      }),
    ).toBe(101)
    await relay.waitForLog((l) => l.msg === 'connection closed', 3000)
    expect(shown.join('\n')).not.toContain(TOKEN)
    const logs = JSON.stringify(relay.logs) + relay.stderr()
    expect(logs).toContain('<redacted>')
    expect(logs).not.toContain(TOKEN)
  })

  it('never appears in the error for a config file that holds it unquoted', async () => {
    const { dir } = tokenFile()
    for (const [name, text] of [
      ['relay.json', `{"token": ${TOKEN}}`],
      ['relay.yaml', `token: ${TOKEN}: x`],
    ] as const) {
      const path = join(dir, name)
      writeFileSync(path, text)
      const run = await runRelayCli([
        '--config',
        path,
        '127.0.0.1:0',
        '127.0.0.1:9',
      ])
      expect(run.code).toBe(2)
      expect(run.stderr).toMatch(/^wsrelay: Cannot parse --config /)
      expect(run.stderr + run.stdout).not.toContain(TOKEN.slice(0, 6))
    }
  })
})

describe('an upgrade request with a body', () => {
  it.each([
    ['Content-Length: 20', 'Content-Length'],
    ['Transfer-Encoding: chunked', 'chunked'],
  ])(
    'is refused with 400 (%s): no frame in its body reaches the target',
    async (header) => {
      const echo = await echoServer()
      const relay = await relayProcess([
        '127.0.0.1:0',
        `127.0.0.1:${echo.port}`,
      ])
      // The body is a masked binary frame: read as frames, it would reach the target.
      const frame = encodeFrame({
        opcode: Opcode.BINARY,
        payload: Buffer.from('smuggled-bytes'),
      })
      const conn = await RawConnection.open(relay.port, {
        protocols: [SUBPROTOCOL_BINARY],
        headers: [header],
        trailing: frame,
      })
      defer(() => conn.destroy())
      expect(conn.head?.status).toBe(400)
      expect(conn.head?.body).toMatch(/^The upgrade request carries a body/)
      expect(echo.received()).toBe(0)
      expect(echo.accepted()).toBe(0)
    },
  )
})
