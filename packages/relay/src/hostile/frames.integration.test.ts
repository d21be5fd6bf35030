import { SUBPROTOCOL_BINARY, SUBPROTOCOL_V1 } from '@wsrelay/protocol'
import { afterAll, beforeEach, describe, expect, it } from 'vitest'
import {
  BAD_PATHS,
  CASE_MAX_MESSAGE_BYTES,
  FRAME_CASES,
} from '../../fuzz/frame-cases.js'
import { encodeFrame, Opcode, RawConnection } from '../../fuzz/raw-ws.js'
import { RelayFixture } from '../../fuzz/relay-fixture.js'

// Issue 7, "The process dies": each malformed frame, sent by a client whose
// `open` is not yet answered (and by raw clients), against the real CLI.

const fixture = new RelayFixture([
  '--max-message-size',
  String(CASE_MAX_MESSAGE_BYTES),
  '127.0.0.1:0',
  '127.0.0.1:{ECHO}',
])
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
  },
  'a wsrelay.v1 client before its open': {
    protocols: [SUBPROTOCOL_V1],
    prefix: () => Buffer.alloc(0),
  },
  'a wsrelay.v1 client whose open is not yet answered': {
    protocols: [SUBPROTOCOL_V1],
    prefix: openMessage,
  },
} as const

describe.each(Object.entries(MODES))('%s', (_mode, { protocols, prefix }) => {
  it.each(FRAME_CASES.map((c) => [c.name, c] as const))(
    'survives %s: closes that connection with the right code or drops it',
    async (_name, frameCase) => {
      const relay = await fixture.ready()
      const conn = await RawConnection.open(relay.port, { protocols })
      expect(conn.head?.status).toBe(101)
      conn.write(Buffer.concat([prefix(), frameCase.bytes]))
      const ending = await conn.waitForEnd(3000)
      conn.destroy()

      const health = await fixture.problem()
      expect(health, 'relay alive and echoing afterwards').toBeUndefined()
      if (ending.kind === 'close')
        expect(frameCase.codes).toContain(ending.code)
      else if (ending.kind === 'timeout')
        expect(frameCase.mayStayOpen, 'connection left hanging').toBe(true)
    },
  )
})

describe('malformed percent escapes in the upgrade path', () => {
  const cases = BAD_PATHS.flatMap((path) => [
    [path, 'raw', [SUBPROTOCOL_BINARY]] as const,
    [path, 'wsrelay.v1', [SUBPROTOCOL_V1]] as const,
  ])
  it.each(cases)(
    'answers %s (%s) with close 1008 and a reason, or HTTP 400, and lives',
    async (path, _mode, protocols) => {
      const relay = await fixture.ready()
      const conn = await RawConnection.open(relay.port, { path, protocols })
      if (conn.head?.status === 101) conn.write(openMessage())
      const ending = await conn.waitForEnd(3000)
      conn.destroy()

      const health = await fixture.problem()
      expect(health, 'relay alive and echoing afterwards').toBeUndefined()
      if (conn.head?.status === 101) {
        expect(ending.kind).toBe('close')
        if (ending.kind === 'close') {
          expect(ending.code).toBe(1008)
          expect(ending.reason.length).toBeGreaterThan(0)
        }
      } else {
        expect(conn.head?.status).toBe(400)
      }
    },
  )
})
