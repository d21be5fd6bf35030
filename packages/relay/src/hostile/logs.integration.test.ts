import { SUBPROTOCOL_BINARY } from '@wsrelay/protocol'
import { expect, it } from 'vitest'
import {
  closePayload,
  Opcode,
  RawConnection,
  startEchoServer,
} from '@wsrelay/test-kit'
import { createHarness } from '@wsrelay/test-kit/harness'

// Issue 7, "Logs": `closeCode` (number) and `errorCode` (string) are separate
// fields of the "connection closed" line, never one field with two types.

const { defer, relayProcess } = createHarness()

it('logs a refused target with closeCode 4000 and errorCode RELAY_TARGET_REFUSED', async () => {
  // A port that was free a moment ago: connecting to it is refused.
  const gone = await startEchoServer()
  await gone.close()
  const relay = await relayProcess(['127.0.0.1:0', `127.0.0.1:${gone.port}`])
  const conn = await RawConnection.open(relay.port, {
    protocols: [SUBPROTOCOL_BINARY],
  })
  defer(() => conn.destroy())
  expect(await conn.waitForEnd(5000)).toMatchObject({
    kind: 'close',
    code: 4000,
  })
  // Answer the close as a browser does, so the relay finishes the connection.
  conn.send({ opcode: Opcode.CLOSE, payload: closePayload(4000) })

  const closed = await relay.waitForLog(
    (l) => l.msg === 'connection closed',
    5000,
  )
  expect(closed).toMatchObject({
    closeCode: 4000,
    errorCode: 'RELAY_TARGET_REFUSED',
  })
  expect(typeof closed?.closeCode).toBe('number')
  expect(typeof closed?.errorCode).toBe('string')
})
