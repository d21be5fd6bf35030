import { SUBPROTOCOL_BINARY, SUBPROTOCOL_V1 } from '@wsrelay/protocol'
import { afterAll, beforeEach, describe, expect, it } from 'vitest'
import {
  BAD_PATHS,
  echoProblem,
  CASE_MAX_MESSAGE_BYTES,
  encodeFrame,
  FRAME_CASES,
  Opcode,
  RawConnection,
  RelayFixture,
} from '@wsrelay/test-kit'
import { createHarness } from '@wsrelay/test-kit/harness'

// Issue 7, "The process dies": each malformed frame, sent by a client whose
// `open` is not yet answered (and by raw clients), against the real CLI.

const fixture = new RelayFixture([
  '--max-message-size',
  String(CASE_MAX_MESSAGE_BYTES),
  '127.0.0.1:0',
  '127.0.0.1:{ECHO}',
])
const { echoServer, relayProcess } = createHarness()
beforeEach(() => fixture.ready().then(() => undefined))
afterAll(() => fixture.close())

const openMessage = () =>
  encodeFrame({
    opcode: Opcode.TEXT,
    payload: JSON.stringify({ type: 'open' }),
  })

/** How a client reaches the moment it sends the bad bytes. */
const MODES = {
  'a raw client, after the upgrade': {
    protocols: [SUBPROTOCOL_BINARY],
    prefix: () => Buffer.alloc(0),
    isBeforeOpen: false,
  },
  'a wsrelay.v1 client before its open': {
    protocols: [SUBPROTOCOL_V1],
    prefix: () => Buffer.alloc(0),
    isBeforeOpen: true,
  },
  'a wsrelay.v1 client whose open is not yet answered': {
    protocols: [SUBPROTOCOL_V1],
    prefix: openMessage,
    isBeforeOpen: false,
  },
} as const

describe.each(Object.entries(MODES))('%s', (_mode, mode) => {
  const { protocols, prefix, isBeforeOpen } = mode
  it.each(FRAME_CASES.map((c) => [c.name, c] as const))(
    'survives %s: closes that connection with the right code and a reason',
    async (_name, frameCase) => {
      const relay = await fixture.ready()
      const conn = await RawConnection.open(relay.port, { protocols })
      expect(conn.head?.status).toBe(101)
      conn.write(Buffer.concat([prefix(), frameCase.bytes]))
      const ending = await conn.waitForEnd(3000)
      conn.destroy()

      const health = await fixture.problem()
      expect(health, 'relay alive and echoing afterwards').toBeUndefined()
      if (ending.kind === 'timeout' && frameCase.mayStayOpen) return
      expect(ending.kind, 'a close frame, not a drop').toBe('close')
      if (ending.kind !== 'close') return
      if (isBeforeOpen && frameCase.startsWithData) {
        // The data is refused as it arrives, before the rest is read.
        expect(ending).toEqual({
          kind: 'close',
          code: 1008,
          reason: 'Data before open.',
        })
        return
      }
      expect(frameCase.codes).toContain(ending.code)
      expect(
        ending.reason.length,
        'a reason naming what was wrong',
      ).toBeGreaterThan(0)
    },
  )
})

describe('20,000 one-byte fragments of one message', () => {
  const fragments = (): Buffer => {
    const parts = [
      encodeFrame({ opcode: Opcode.BINARY, fin: false, payload: 'a' }),
    ]
    for (let i = 0; i < 20_000; i++)
      parts.push(
        encodeFrame({ opcode: Opcode.CONTINUATION, fin: false, payload: 'a' }),
      )
    return Buffer.concat(parts)
  }

  it('closes a raw client with 1008 (too many parts) once past 16,384, and lives', async () => {
    // The default --max-message-size: the parts, not the bytes, are too many.
    const echo = await echoServer()
    const relay = await relayProcess(['127.0.0.1:0', `127.0.0.1:${echo.port}`])
    const conn = await RawConnection.open(relay.port, {
      protocols: [SUBPROTOCOL_BINARY],
      trailing: fragments(),
    })
    const ending = await conn.waitForEnd(5000)
    conn.destroy()
    expect(ending).toEqual({
      kind: 'close',
      code: 1008,
      reason: 'Too many fragments in one message.',
    })
    expect(await echoProblem(relay.port)).toBeUndefined()
  })

  it('closes a wsrelay.v1 client that sends them before open with 1008 at the first one (data before open), and lives', async () => {
    const echo = await echoServer()
    const relay = await relayProcess(['127.0.0.1:0', `127.0.0.1:${echo.port}`])
    const conn = await RawConnection.open(relay.port, {
      protocols: [SUBPROTOCOL_V1],
      trailing: fragments(),
    })
    const ending = await conn.waitForEnd(5000)
    conn.destroy()
    expect(ending).toEqual({
      kind: 'close',
      code: 1008,
      reason: 'Data before open.',
    })
    expect(await echoProblem(relay.port)).toBeUndefined()
  })
})

describe('malformed percent escapes in the upgrade path', () => {
  const cases = BAD_PATHS.flatMap((path) => [
    [path, 'raw', [SUBPROTOCOL_BINARY]] as const,
    [path, 'wsrelay.v1', [SUBPROTOCOL_V1]] as const,
  ])
  it.each(cases)(
    'answers %s (%s) with close 1008 saying the escape is malformed, and lives',
    async (path, _mode, protocols) => {
      const relay = await fixture.ready()
      const conn = await RawConnection.open(relay.port, { path, protocols })
      expect(conn.head?.status).toBe(101)
      conn.write(openMessage())
      const ending = await conn.waitForEnd(3000)
      conn.destroy()

      const health = await fixture.problem()
      expect(health, 'relay alive and echoing afterwards').toBeUndefined()
      expect(ending).toEqual({
        kind: 'close',
        code: 1008,
        reason: 'The URL path has a malformed percent escape.',
      })
    },
  )
})
