import { SUBPROTOCOL_BINARY, SUBPROTOCOL_V1 } from '@wsrelay/protocol'
import {
  closePayload,
  freePort,
  Opcode,
  RawConnection,
} from '@wsrelay/test-kit'
import { createHarness } from '@wsrelay/test-kit/harness'
import { describe, expect, it } from 'vitest'
import { LOG_FIELDS, LOG_LINES, type LogLine } from './log-fields.js'

const { echoServer, relayProcess } = createHarness()

/** The fields every line of one connection carries, and pino's own. */
const BASE = ['level', 'time', 'name', 'msg']
const PER_CONNECTION = ['conn', 'client']

const lineOf = (msg: unknown): LogLine | undefined =>
  (Object.keys(LOG_LINES) as LogLine[]).find(
    (line) =>
      msg === line || (typeof msg === 'string' && msg.startsWith(`${line}:`)),
  )

describe('log lines of a real relay', () => {
  it('carry only the fields log-fields.ts declares, each line its own', async () => {
    const echo = await echoServer()
    const dead = await freePort()
    const relay = await relayProcess([
      '--route',
      `dead=127.0.0.1:${dead}`,
      '--log-level',
      'debug',
      '127.0.0.1:0',
      `127.0.0.1:${echo.port}`,
    ])
    const session = async (
      spec: Parameters<typeof RawConnection.open>[1],
      then: (conn: RawConnection) => void = () => undefined,
    ) => {
      const conn = await RawConnection.open(relay.port, spec)
      then(conn)
      await conn.waitForEnd(3000)
      conn.send({ opcode: Opcode.CLOSE, payload: closePayload(1000) })
      conn.destroy()
    }
    // An echo that the browser ends; a refused target; a foreign origin; an
    // unknown subprotocol; a wsrelay.v1 rule broken after the target.
    await session({ protocols: [SUBPROTOCOL_BINARY] }, (conn) => {
      conn.sendBinary(Buffer.from('hi'))
      setTimeout(
        () => conn.send({ opcode: Opcode.CLOSE, payload: closePayload(1000) }),
        100,
      )
    })
    await session({ path: '/dead', protocols: [SUBPROTOCOL_BINARY] })
    await session({ origin: 'https://evil.example' })
    await session({ protocols: ['chat'] })
    await session({ protocols: [SUBPROTOCOL_V1] }, (conn) => {
      conn.sendText('{"type":"open"}')
      conn.sendText('{"type":"end"}')
      conn.sendBinary(Buffer.from('after end'))
    })
    await relay.waitForLog(
      (l) => l.msg === 'connection closed' && l.closeCode === 1008,
      5000,
    )

    const declared = Object.keys(LOG_FIELDS)
    const seen = new Set<string>()
    for (const line of relay.logs) {
      for (const key of Object.keys(line))
        expect(declared, `${String(line.msg)}: ${key}`).toContain(key)
      const named = lineOf(line.msg)
      if (named === undefined) continue
      seen.add(named)
      const allowed = [...BASE, ...PER_CONNECTION, ...LOG_LINES[named]]
      for (const key of Object.keys(line))
        expect(allowed, `${named}: ${key}`).toContain(key)
    }
    expect([...seen].sort()).toEqual(Object.keys(LOG_LINES).sort())
    expect(relay.logs).toContainEqual(
      expect.objectContaining({
        msg: 'connection closed',
        target: `127.0.0.1:${dead}`,
        route: 'dead',
        closeCode: 4000,
        errorCode: 'RELAY_TARGET_REFUSED',
        by: 'relay',
      }),
    )
  })
})
