import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { MAX_CLOSE_REASON_BYTES } from './close-reason.js'
import {
  encodeControlMessage,
  MAX_CONTROL_MESSAGE_BYTES,
  parseClientMessage,
  parseRelayMessage,
  type ClientControlMessage,
  type RelayControlMessage,
} from './control-messages.js'
import { TRANSPORTS, type Transport } from './transport.js'
import { utf8ByteLength } from './utf8.js'

// Text frames are network input: whatever arrives, the parsers answer with a
// result (never a throw), and a refusal fits a close frame's reason.

/** Strings a hostile client might send: arbitrary, JSON-ish, and mutated valid messages. */
const hostileText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 2000 }),
  fc.json({ maxDepth: 3 }),
  fc
    .record(
      {
        type: fc.constantFrom(
          'open',
          'ping',
          'end',
          'pong',
          'connected',
          'notice',
          '__proto__',
          'constructor',
        ),
        host: fc.oneof(fc.string(), fc.integer(), fc.constant(null)),
        port: fc.oneof(fc.integer(), fc.double(), fc.string()),
        route: fc.oneof(fc.string(), fc.integer()),
        id: fc.oneof(fc.integer(), fc.double(), fc.string()),
        ts: fc.oneof(fc.double(), fc.string()),
        address: fc.string(),
        transport: fc.oneof(
          fc.constantFrom('tcp', 'udp', 'UDP', ''),
          fc.integer(),
          fc.constant(null),
        ),
        kind: fc.oneof(fc.constant('dropped'), fc.string()),
        datagrams: fc.oneof(fc.nat(), fc.double(), fc.string()),
        bytes: fc.oneof(fc.nat(), fc.integer(), fc.string()),
      },
      { requiredKeys: ['type'] },
    )
    .map((m) => JSON.stringify(m)),
  fc.string({
    minLength: MAX_CONTROL_MESSAGE_BYTES - 10,
    maxLength: MAX_CONTROL_MESSAGE_BYTES + 10,
  }),
)

// JSON has no -0: a ts of -0 comes back as 0, which is the same instant.
const timestamp = fc
  .double({ noNaN: true, noDefaultInfinity: true })
  .map((d) => (Object.is(d, -0) ? 0 : d))
const hostName = fc.domain().filter((d) => d.length <= 253)
const port = fc.integer({ min: 1, max: 65535 })
/** No transport (TCP, as before datagram targets), or one named. */
const transport = fc.option(fc.constantFrom(...TRANSPORTS), { nil: undefined })
const withTransport = <T extends object>(
  message: T,
  t: Transport | undefined,
): T => (t === undefined ? message : { ...message, transport: t })
const clientMessage: fc.Arbitrary<ClientControlMessage> = fc.oneof(
  transport.map((t) => withTransport({ type: 'open' } as const, t)),
  fc
    .tuple(fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/), transport)
    .map(([route, t]) => withTransport({ type: 'open', route } as const, t)),
  fc
    .tuple(hostName, port, transport)
    .map(([host, p, t]) =>
      withTransport({ type: 'open', host, port: p } as const, t),
    ),
  fc.record({
    type: fc.constant('ping' as const),
    id: fc.nat(),
    ts: timestamp,
  }),
  fc.constant({ type: 'end' } as const),
)
const relayMessage: fc.Arbitrary<RelayControlMessage> = fc.oneof(
  fc.constant({ type: 'connected' } as const),
  fc
    .string({ minLength: 1, maxLength: 63 })
    .map((route) => ({ type: 'connected', route }) as const),
  fc
    .tuple(hostName, port, fc.ipV4(), transport)
    .map(([host, p, address, t]) =>
      withTransport({ type: 'connected', host, port: p, address } as const, t),
    ),
  fc.record({
    type: fc.constant('notice' as const),
    kind: fc.constant('dropped' as const),
    datagrams: fc.nat(),
    bytes: fc.nat(),
  }),
  fc.record({
    type: fc.constant('pong' as const),
    id: fc.nat(),
    ts: timestamp,
  }),
  fc.constant({ type: 'end' } as const),
)

describe('parseClientMessage', () => {
  it('never throws, and every refusal fits a close reason', () => {
    fc.assert(
      fc.property(hostileText, (text) => {
        const result = parseClientMessage(text)
        if (!result.ok) {
          expect(result.error.length).toBeGreaterThan(0)
          expect(utf8ByteLength(result.error)).toBeLessThanOrEqual(
            MAX_CLOSE_REASON_BYTES,
          )
        }
      }),
      { numRuns: 500 },
    )
  })

  it('round-trips every valid client message through encodeControlMessage', () => {
    fc.assert(
      fc.property(clientMessage, (message) => {
        expect(parseClientMessage(encodeControlMessage(message))).toEqual({
          ok: true,
          message,
        })
      }),
      { numRuns: 1000 },
    )
  })

  it('accepts only what it can encode again unchanged', () => {
    fc.assert(
      fc.property(hostileText, (text) => {
        const result = parseClientMessage(text)
        if (result.ok)
          expect(
            parseClientMessage(encodeControlMessage(result.message)),
          ).toEqual(result)
      }),
      { numRuns: 500 },
    )
  })
})

describe('parseRelayMessage', () => {
  it('never throws, and every refusal fits a close reason', () => {
    fc.assert(
      fc.property(hostileText, (text) => {
        const result = parseRelayMessage(text)
        if (!result.ok)
          expect(utf8ByteLength(result.error)).toBeLessThanOrEqual(
            MAX_CLOSE_REASON_BYTES,
          )
      }),
      { numRuns: 500 },
    )
  })

  it('round-trips every valid relay message', () => {
    fc.assert(
      fc.property(relayMessage, (message) => {
        expect(parseRelayMessage(encodeControlMessage(message))).toEqual({
          ok: true,
          message,
        })
      }),
    )
  })
})
