import { SUBPROTOCOL_BINARY, tokenSubprotocol } from '@wsrelay/protocol'
import { describe, expect, it } from 'vitest'
import { RawConnection } from '@wsrelay/test-kit'
import { createHarness } from '@wsrelay/test-kit/harness'

// Issue 7, "Limits that give the wrong answer": with too few file descriptors
// for --max-connections, clients past the fd limit got a bare reset or
// `4005 ... (EMFILE)`, never the 1013 the limit promises.

const { defer, echoServer, relayProcess } = createHarness()

describe('the connection limit and the open-file limit', () => {
  // Refused clients' sockets count against the open-file limit, and near
  // it a refusal goes without its grace: clients that never answer the
  // close frame get their 1013 too.
  it.each([
    ['that answer the close as a browser does', true],
    ['that never answer the close', false],
  ])(
    'warns at start and answers 200 clients %s with an echo or 1013 under 256 fds, never a reset or EMFILE',
    async (_who, replyToClose) => {
      const echo = await echoServer()
      // --max-connections asked for: the cut to what 256 fds hold is a warning.
      const relay = await relayProcess(
        ['--max-connections', '1000', '127.0.0.1:0', `127.0.0.1:${echo.port}`],
        { nofile: 256 },
      )

      const warning = relay.logs.find(
        (l) =>
          typeof l.msg === 'string' &&
          l.msg.includes('max-connections') &&
          Number(l.level) >= 40,
      )
      expect(
        warning,
        'a warning at start that --max-connections was lowered',
      ).toBeDefined()

      const CLIENTS = 200
      const conns: RawConnection[] = []
      for (let i = 0; i < CLIENTS; i++) {
        const conn = await RawConnection.open(
          relay.port,
          { protocols: [SUBPROTOCOL_BINARY] },
          5000,
          { replyToClose },
        ).catch(() => undefined)
        if (conn) {
          defer(() => conn.destroy())
          conns.push(conn)
          if (conn.head?.status === 101) conn.sendBinary(Buffer.from('ping!'))
        }
      }
      const outcomes = await Promise.all(
        conns.map(async (conn) => {
          if (conn.head?.status !== 101)
            return `HTTP ${conn.head?.status ?? 'none'}`
          await conn
            .waitFor(
              () => conn.binaryBytes().length >= 5 || conn.ending !== undefined,
              5000,
              'echo or close',
            )
            .catch(() => undefined)
          if (conn.binaryBytes().length >= 5) return 'echoed'
          const ending = conn.ending
          return ending?.kind === 'close'
            ? `close ${ending.code}`
            : (ending?.kind ?? 'nothing')
        }),
      )
      const counts: Record<string, number> = {}
      for (const o of outcomes) counts[o] = (counts[o] ?? 0) + 1
      counts['refused at connect'] = CLIENTS - conns.length

      expect(relay.isAlive(), relay.stderr()).toBe(true)
      expect(counts.echoed ?? 0, JSON.stringify(counts)).toBeGreaterThan(0)
      expect(
        (counts.echoed ?? 0) + (counts['close 1013'] ?? 0),
        JSON.stringify(counts),
      ).toBe(CLIENTS)
    },
    60_000,
  )

  it('answers 23 legitimate tries (an echo or 1013, never a reset) beside 48 live sessions while 100 refused clients reconnect, under 256 fds', async () => {
    const echo = await echoServer()
    const token = 'k'.repeat(32)
    const relay = await relayProcess(
      ['127.0.0.1:0', `127.0.0.1:${echo.port}`],
      { nofile: 256, env: { WSRELAY_TOKEN: token } },
    )
    const withToken = [SUBPROTOCOL_BINARY, tokenSubprotocol(token)]
    /** One client: connects, sends 5 bytes, and says what it met. */
    const attempt = async (protocols: string[]): Promise<string> => {
      const conn = await RawConnection.open(
        relay.port,
        { protocols },
        5000,
      ).catch((err: Error) => err)
      if (conn instanceof Error) return `connect failed: ${conn.message}`
      defer(() => conn.destroy())
      if (conn.head?.status !== 101) {
        return conn.head ? `HTTP ${conn.head.status}` : `reset`
      }
      conn.sendBinary(Buffer.from('ping!'))
      await conn
        .waitFor(
          () => conn.binaryBytes().length >= 5 || conn.ending !== undefined,
          5000,
          'echo or close',
        )
        .catch(() => undefined)
      if (conn.binaryBytes().length >= 5) return 'echoed'
      const ending = conn.ending
      return ending?.kind === 'close'
        ? `close ${ending.code}`
        : (ending?.kind ?? 'nothing')
    }
    // 256 fds hold 63 sessions (a quarter of the limit is kept for
    // refusing): 48 live ones leave 15 free, as 80 of 95 did before.
    const live: RawConnection[] = []
    for (let i = 0; i < 48; i++) {
      const conn = await RawConnection.open(relay.port, {
        protocols: withToken,
      })
      defer(() => conn.destroy())
      live.push(conn)
    }
    // 100 refused clients (no token) that reconnect as soon as they are let go.
    let isRefusing = true
    const refusers = Array.from({ length: 100 }, async () => {
      while (isRefusing) {
        const conn = await RawConnection.open(relay.port, {
          protocols: [SUBPROTOCOL_BINARY],
        }).catch(() => undefined)
        if (!conn) continue
        await conn.waitForEnd(3000)
        conn.destroy()
      }
    })
    await new Promise<void>((r) => setTimeout(r, 1500))
    const outcomes: string[] = []
    for (let i = 0; i < 23; i++) {
      outcomes.push(await attempt(withToken))
      await new Promise<void>((r) => setTimeout(r, 150))
    }
    isRefusing = false
    await Promise.all(refusers)
    const answers = outcomes.filter(
      (o) => o === 'echoed' || o === 'close 1013',
    ).length
    console.log(
      `descriptor limit: ${answers} answers out of 23 tries (${JSON.stringify(outcomes)})`,
    )
    expect(relay.isAlive(), relay.stderr()).toBe(true)
    expect(answers, JSON.stringify(outcomes)).toBe(23)
    expect(outcomes, 'some tries are served').toContain('echoed')
  }, 60_000)
})
