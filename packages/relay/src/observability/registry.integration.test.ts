import { encodeFrame, Opcode, RawConnection } from '@wsrelay/test-kit'
import { describe, expect, it, vi } from 'vitest'
import { openWebSocket, readBytes } from '../test-support/sockets.js'
import { createHarness } from '../test-support/harness.js'

const { defer, echoServer, startRelay } = createHarness()
const MiB = 1024 * 1024

describe('the relay-wide memory budget', () => {
  it('stops reading the senders that hold the most once all of them together pass the budget', async () => {
    const echo = await echoServer()
    const { relay, port, url } = await startRelay({
      target: `127.0.0.1:${echo.port}`,
      memoryBudget: MiB,
      maxMessageSize: 4 * MiB,
    })
    // 16 clients each start a 4 MiB text message, send 512 KiB of it, and
    // stall. Text is gathered whole (to check its UTF-8), so the relay holds
    // it; binary would be streamed to the target as it came.
    const stallers = await Promise.all(
      Array.from({ length: 16 }, async () => {
        const conn = await RawConnection.open(port)
        defer(() => conn.destroy())
        expect(conn.head?.status).toBe(101)
        conn.write(
          Buffer.concat([
            encodeFrame({
              opcode: Opcode.TEXT,
              lengthForm: '64',
              declaredLength: 4n * 1024n * 1024n,
            }),
            Buffer.alloc(512 * 1024, 1),
          ]),
        )
        return conn
      }),
    )
    await vi.waitFor(() =>
      expect(relay.stats().budgetPauses).toBeGreaterThan(0),
    )
    // 16 x 512 KiB were offered; held stays near the budget, plus what was
    // in flight when the 100 ms check ran.
    await vi.waitFor(() =>
      expect(relay.stats().bufferedBytes).toBeLessThan(9 * MiB),
    )
    for (const conn of stallers) conn.destroy()
    // A known-good client still gets its bytes back.
    const ws = await openWebSocket(url)
    ws.send('still here')
    expect((await readBytes(ws, 10)).toString()).toBe('still here')
    ws.close()
  })
})
