import { closePayload, encodeFrame, type FrameSpec } from '@wsrelay/test-kit'
import { describe, expect, it } from 'vitest'
import {
  FrameParser,
  isValidCloseCode,
  MAX_FRAGMENTS,
  Opcode,
  type FrameSink,
  type FrameViolation,
} from './frame-parser.js'

// RFC 6455 section 5, byte by byte, in the groups of the Autobahn
// TestSuite's server cases: framing (1), pings and pongs (2), reserved bits
// (3), opcodes (4), fragmentation (5), UTF-8 (6), close handling (7) and
// limits (9). The relay relays messages, so where Autobahn checks an echo,
// these check what the parser hands on.

type Event =
  | {
      readonly kind: 'binary' | 'text' | 'ping' | 'pong'
      readonly bytes: Buffer
    }
  | { readonly kind: 'close'; readonly code: number; readonly reason: string }
  | { readonly kind: 'violation'; readonly violation: FrameViolation }

const MAX = 64 * 1024

/**
 * Feeds `chunks` (copied: the parser unmasks in place) and records what it
 * delivers, streaming binary payload (a TCP session). Every case also runs
 * with whole binary messages (a UDP session), which must end the same way,
 * deliver the same text and control frames, and of the binary bytes
 * deliver the same ones less a message left unfinished.
 */
function parse(chunks: readonly Buffer[], maxMessageSize = MAX) {
  const streamed = parseIn(chunks, maxMessageSize, true)
  const whole = parseIn(chunks, maxMessageSize, false)
  const notBinary = (events: readonly Event[]) =>
    events.filter((e) => e.kind !== 'binary')
  const bytesOf = (events: readonly Event[]) =>
    Buffer.concat(events.flatMap((e) => (e.kind === 'binary' ? [e.bytes] : [])))
  expect(notBinary(whole.events)).toEqual(notBinary(streamed.events))
  const wholeBytes = bytesOf(whole.events)
  expect(bytesOf(streamed.events).subarray(0, wholeBytes.length)).toEqual(
    wholeBytes,
  )
  return streamed
}

function parseIn(
  chunks: readonly Buffer[],
  maxMessageSize: number,
  isStreaming: boolean,
) {
  const events: Event[] = []
  const sink: FrameSink = {
    onBinary: (bytes) =>
      events.push({ kind: 'binary', bytes: Buffer.from(bytes) }),
    onText: (bytes) => events.push({ kind: 'text', bytes: Buffer.from(bytes) }),
    onPing: (bytes) => events.push({ kind: 'ping', bytes: Buffer.from(bytes) }),
    onPong: (bytes) => events.push({ kind: 'pong', bytes: Buffer.from(bytes) }),
    onClose: (code, reason) => events.push({ kind: 'close', code, reason }),
    onViolation: (violation) => events.push({ kind: 'violation', violation }),
  }
  const parser = new FrameParser(maxMessageSize, sink)
  if (isStreaming) parser.streamBinary()
  for (const chunk of chunks) parser.push(Buffer.from(chunk))
  return { events: isStreaming ? merged(events) : events, parser }
}

/** Consecutive binary slices as one (the parser may cut a message anywhere). */
function merged(events: readonly Event[]): Event[] {
  const out: Event[] = []
  for (const event of events) {
    const last = out.at(-1)
    if (event.kind === 'binary' && last?.kind === 'binary')
      out[out.length - 1] = {
        kind: 'binary',
        bytes: Buffer.concat([last.bytes, event.bytes]),
      }
    else out.push(event)
  }
  return out
}

/** The same bytes cut at every position, and one byte at a time. */
function everySplit(bytes: Buffer): Buffer[][] {
  const splits: Buffer[][] = [[bytes]]
  for (let at = 1; at < bytes.length; at++)
    splits.push([bytes.subarray(0, at), bytes.subarray(at)])
  splits.push([...bytes].map((b) => Buffer.from([b])))
  return splits
}

const KEY = Buffer.from([0x37, 0xfa, 0x21, 0x3d])
const frame = (spec: FrameSpec) => encodeFrame({ maskKey: KEY, ...spec })
const binary = (payload: Buffer | string, fin = true) =>
  frame({ opcode: Opcode.BINARY, payload, fin })
const text = (payload: Buffer | string, fin = true) =>
  frame({ opcode: Opcode.TEXT, payload, fin })
const cont = (payload: Buffer | string, fin = true) =>
  frame({ opcode: Opcode.CONTINUATION, payload, fin })
const ping = (payload: Buffer | string = '') =>
  frame({ opcode: Opcode.PING, payload })
const close = (payload: Buffer = Buffer.alloc(0)) =>
  frame({ opcode: Opcode.CLOSE, payload })
const pattern = (length: number) =>
  Buffer.from(Array.from({ length }, (_, i) => (i * 31 + 7) & 0xff))

const violationOf = (events: readonly Event[]) =>
  events.find((e) => e.kind === 'violation')?.violation

describe('framing (Autobahn 1): binary and text of every length form', () => {
  it.each([0, 1, 125, 126, 127, 128, 65535, 65536])(
    'hands on %i bytes of binary unchanged, however the bytes are cut',
    (length) => {
      const payload = pattern(length)
      const bytes = binary(payload)
      const cuts =
        length > 200
          ? [[bytes], [bytes.subarray(0, 7), bytes.subarray(7)]]
          : everySplit(bytes)
      for (const chunks of cuts) {
        const { events } = parse(chunks)
        expect(events).toEqual(
          length === 0 ? [] : [{ kind: 'binary', bytes: payload }],
        )
      }
    },
  )

  it.each([0, 125, 126, 65535, 65536])(
    'hands on a %i-byte text message whole',
    (length) => {
      const payload = Buffer.alloc(length, 0x61)
      expect(parse([text(payload)]).events).toEqual([
        { kind: 'text', bytes: payload },
      ])
    },
  )

  it('unmasks every mask offset the same, across chunk boundaries (RFC 6455 5.3)', () => {
    const payload = pattern(301)
    const bytes = binary(payload)
    for (const chunks of everySplit(bytes))
      expect(parse(chunks).events).toEqual([{ kind: 'binary', bytes: payload }])
  })

  it('accepts a zero masking key (the payload is then as sent)', () => {
    const payload = pattern(64)
    const bytes = encodeFrame({
      opcode: Opcode.BINARY,
      payload,
      maskKey: Buffer.alloc(4),
    })
    expect(parse([bytes]).events).toEqual([{ kind: 'binary', bytes: payload }])
  })

  it('accepts lengths in a longer form than needed (the RFC asks senders for the shortest; ws accepts them too)', () => {
    const payload = pattern(5)
    for (const lengthForm of ['16', '64'] as const)
      expect(
        parse([frame({ opcode: Opcode.BINARY, payload, lengthForm })]).events,
      ).toEqual([{ kind: 'binary', bytes: payload }])
  })

  it('reads many frames from one chunk, in order', () => {
    const bytes = Buffer.concat([
      binary('ab'),
      text('cd'),
      ping('ef'),
      binary('gh'),
    ])
    expect(parse([bytes]).events).toEqual([
      { kind: 'binary', bytes: Buffer.from('ab') },
      { kind: 'text', bytes: Buffer.from('cd') },
      { kind: 'ping', bytes: Buffer.from('ef') },
      { kind: 'binary', bytes: Buffer.from('gh') },
    ])
  })

  it('hands binary payload on as views of the chunk, with no copy', () => {
    const slices: Buffer[] = []
    const chunk = binary(pattern(1000))
    const parser = new FrameParser(MAX, {
      ...silentSink(),
      onBinary: (bytes) => slices.push(bytes),
    })
    parser.streamBinary()
    parser.push(chunk)
    expect(slices).toHaveLength(1)
    expect(slices[0]?.buffer).toBe(chunk.buffer)
  })

  describe('whole binary messages (a datagram session: one message, one datagram)', () => {
    const wholeParser = () => {
      const messages: Buffer[] = []
      const parser = new FrameParser(MAX, {
        ...silentSink(),
        onBinary: (bytes) => messages.push(Buffer.from(bytes)),
      })
      return { messages, parser }
    }

    it('hands on each message once, whole, however it is fragmented and cut, the empty one too', () => {
      const { messages, parser } = wholeParser()
      const bytes = Buffer.concat([
        encodeFrame({ opcode: Opcode.BINARY, payload: 'ab', fin: false }),
        ping('p'),
        encodeFrame({ opcode: Opcode.CONTINUATION, payload: 'cd' }),
        binary(Buffer.alloc(0)),
        binary(pattern(3000)),
      ])
      for (let at = 0; at < bytes.length; at += 7)
        parser.push(Buffer.from(bytes.subarray(at, at + 7)))
      expect(messages).toEqual([
        Buffer.from('abcd'),
        Buffer.alloc(0),
        pattern(3000),
      ])
      expect(parser.heldBytes).toBe(0)
    })

    it('counts a message being gathered in heldBytes (the memory budget sees it)', () => {
      const { messages, parser } = wholeParser()
      const frame = binary(pattern(3000))
      parser.push(Buffer.from(frame.subarray(0, 1000)))
      expect(messages).toEqual([])
      expect(parser.heldBytes).toBeGreaterThanOrEqual(1000 - 8)
    })

    it('goes back to whole messages from the next message, not inside a streamed one', () => {
      const { messages, parser } = wholeParser()
      parser.streamBinary(true)
      const first = binary(pattern(3000))
      parser.push(Buffer.from(first.subarray(0, 1000)))
      parser.streamBinary(false)
      parser.push(Buffer.from(first.subarray(1000)))
      expect(messages.length).toBe(2) // the first message, as it came
      parser.push(binary(pattern(2000)).subarray(0, 1500))
      expect(messages.length).toBe(2) // the second, gathered
      expect(parser.heldBytes).toBeGreaterThan(1000)
    })

    it('hands on what it gathered when told to stream, then the rest as it comes', () => {
      const { messages, parser } = wholeParser()
      const frame = binary(pattern(3000))
      parser.push(Buffer.from(frame.subarray(0, 1000)))
      parser.streamBinary()
      parser.push(Buffer.from(frame.subarray(1000)))
      expect(Buffer.concat(messages)).toEqual(pattern(3000))
      expect(messages.length).toBe(2)
      expect(parser.heldBytes).toBe(0)
    })
  })

  it('refuses an unmasked client frame with 1002 (RFC 6455 5.1)', () => {
    const { events } = parse([
      encodeFrame({ opcode: Opcode.BINARY, payload: 'hi', mask: false }),
    ])
    expect(events).toEqual([
      {
        kind: 'violation',
        violation: {
          code: 1002,
          errorCode: 'WS_ERR_EXPECTED_MASK',
          reason: 'Client frames must be masked (RFC 6455 5.1).',
        },
      },
    ])
  })
})

describe('pings and pongs (Autobahn 2)', () => {
  it.each([0, 1, 125])(
    'hands on a ping of %i bytes with its payload, to be echoed in the pong',
    (length) => {
      const payload = pattern(length)
      for (const chunks of everySplit(ping(payload)))
        expect(parse(chunks).events).toEqual([{ kind: 'ping', bytes: payload }])
    },
  )

  it('refuses a ping of 126 bytes with 1002 (control frames carry at most 125)', () => {
    expect(violationOf(parse([ping(pattern(126))]).events)).toMatchObject({
      code: 1002,
      errorCode: 'WS_ERR_INVALID_CONTROL_PAYLOAD_LENGTH',
    })
  })

  it('refuses a fragmented ping with 1002', () => {
    expect(
      violationOf(
        parse([frame({ opcode: Opcode.PING, payload: 'a', fin: false })])
          .events,
      ),
    ).toMatchObject({
      code: 1002,
      reason: 'Control frames must not be fragmented.',
    })
  })

  it('hands on an unsolicited pong and reads on', () => {
    const bytes = Buffer.concat([
      frame({ opcode: Opcode.PONG, payload: 'x' }),
      binary('y'),
    ])
    expect(parse([bytes]).events).toEqual([
      { kind: 'pong', bytes: Buffer.from('x') },
      { kind: 'binary', bytes: Buffer.from('y') },
    ])
  })

  it('answers pings in the order they came, ten in a row', () => {
    const pings = Array.from({ length: 10 }, (_, i) => ping(`p${i}`))
    expect(
      parse([Buffer.concat(pings)]).events.map(
        (e) => e.kind === 'ping' && e.bytes.toString(),
      ),
    ).toEqual(Array.from({ length: 10 }, (_, i) => `p${i}`))
  })

  it('keeps a ping payload split across chunks apart from the next frame (a pong written from it may still be queued)', () => {
    const received: Buffer[] = []
    const parser = new FrameParser(MAX, {
      ...silentSink(),
      onPing: (p) => received.push(p),
    })
    const bytes = Buffer.concat([ping('first'), ping('second')])
    parser.push(Buffer.from(bytes.subarray(0, 8)))
    parser.push(Buffer.from(bytes.subarray(8)))
    expect(received.map(String)).toEqual(['first', 'second'])
  })
})

describe('reserved bits (Autobahn 3)', () => {
  it.each([
    [4, 'RSV1 set without a negotiated extension.', 'WS_ERR_UNEXPECTED_RSV_1'],
    [2, 'RSV2 and RSV3 must be clear.', 'WS_ERR_UNEXPECTED_RSV_2_3'],
    [1, 'RSV2 and RSV3 must be clear.', 'WS_ERR_UNEXPECTED_RSV_2_3'],
    [7, 'RSV1 set without a negotiated extension.', 'WS_ERR_UNEXPECTED_RSV_1'],
  ])(
    'refuses RSV bits %i with 1002, on data and control frames alike',
    (rsv, reason, errorCode) => {
      for (const opcode of [
        Opcode.BINARY,
        Opcode.TEXT,
        Opcode.PING,
        Opcode.CLOSE,
      ]) {
        const { events } = parse([frame({ opcode, payload: 'ok', rsv })])
        expect(events).toEqual([
          { kind: 'violation', violation: { code: 1002, reason, errorCode } },
        ])
      }
    },
  )

  it('hands on what came before the bad frame, and nothing after it', () => {
    const bytes = Buffer.concat([
      binary('before'),
      frame({ opcode: Opcode.BINARY, payload: 'x', rsv: 4 }),
      binary('after'),
    ])
    const { events } = parse([bytes])
    expect(events.map((e) => e.kind)).toEqual(['binary', 'violation'])
  })
})

describe('opcodes (Autobahn 4)', () => {
  it.each([3, 4, 5, 6, 7, 0xb, 0xc, 0xd, 0xe, 0xf])(
    'refuses reserved opcode %i with 1002',
    (opcode) => {
      expect(
        violationOf(parse([frame({ opcode, payload: 'x' })]).events),
      ).toEqual({
        code: 1002,
        errorCode: 'WS_ERR_INVALID_OPCODE',
        reason: `Reserved opcode 0x${opcode.toString(16).toUpperCase()}.`,
      })
    },
  )

  it('refuses a reserved opcode inside a fragmented message too', () => {
    const bytes = Buffer.concat([
      binary('a', false),
      frame({ opcode: 5, payload: 'b' }),
    ])
    expect(violationOf(parse([bytes]).events)?.code).toBe(1002)
  })
})

describe('fragmentation (Autobahn 5)', () => {
  it('hands on a fragmented binary message byte for byte, in order, as the fragments come', () => {
    const bytes = Buffer.concat([
      binary('fr', false),
      cont('agm', false),
      cont(''),
      binary('next'),
    ])
    for (const chunks of everySplit(bytes))
      expect(parse(chunks).events).toEqual([
        { kind: 'binary', bytes: Buffer.from('fragmnext') },
      ])
  })

  it('gathers a fragmented text message and hands it on whole', () => {
    const bytes = Buffer.concat([
      text('Hel', false),
      cont('lo, ', false),
      cont('wörld'),
    ])
    for (const chunks of everySplit(bytes))
      expect(parse(chunks).events).toEqual([
        { kind: 'text', bytes: Buffer.from('Hello, wörld') },
      ])
  })

  it('takes pings and pongs between the fragments of a message', () => {
    const bytes = Buffer.concat([
      text('a', false),
      ping('p'),
      cont('b', false),
      frame({ opcode: Opcode.PONG }),
      cont('c'),
    ])
    expect(parse([bytes]).events).toEqual([
      { kind: 'ping', bytes: Buffer.from('p') },
      { kind: 'pong', bytes: Buffer.alloc(0) },
      { kind: 'text', bytes: Buffer.from('abc') },
    ])
  })

  it('refuses a continuation with nothing to continue, with 1002', () => {
    expect(violationOf(parse([cont('orphan')]).events)).toEqual({
      code: 1002,
      errorCode: 'WS_ERR_INVALID_OPCODE',
      reason: 'A continuation frame with no message to continue.',
    })
  })

  it('refuses a new data frame inside a fragmented message, with 1002', () => {
    for (const intruder of [text('x'), binary('x'), text('x', false)]) {
      const { events } = parse([Buffer.concat([binary('a', false), intruder])])
      expect(violationOf(events)).toEqual({
        code: 1002,
        errorCode: 'WS_ERR_INVALID_OPCODE',
        reason: 'A new message began before the fragmented one ended.',
      })
    }
  })

  it(`refuses a message in more than ${MAX_FRAGMENTS} fragments with 1008`, () => {
    const parts = [binary('x', false)]
    for (let i = 1; i < MAX_FRAGMENTS; i++) parts.push(cont('x', false))
    const exactly = parse([Buffer.concat([...parts, cont('x')])])
    expect(violationOf(exactly.events)).toMatchObject({ code: 1008 })
    const under = parse([Buffer.concat([...parts.slice(0, -1), cont('x')])])
    expect(violationOf(under.events)).toBeUndefined()
  })
})

describe('UTF-8 (Autobahn 6)', () => {
  const valid = [
    'ascii',
    'κόσμε',
    '\u{7f}\u{80}\u{7ff}\u{800}\u{ffff}\u{10000}\u{10ffff}',
    'Hello-µ@ßöäüàá-UTF-8!!',
    '',
  ]
  it.each(valid)(
    'hands on valid text %j, cut at every byte and across fragments',
    (value) => {
      const bytes = Buffer.from(value, 'utf8')
      for (let at = 0; at <= bytes.length; at++) {
        const message = Buffer.concat([
          text(bytes.subarray(0, at), false),
          cont(bytes.subarray(at)),
        ])
        for (const chunks of everySplit(message).slice(0, 40))
          expect(parse(chunks).events).toEqual([{ kind: 'text', bytes }])
      }
    },
  )

  const invalid: readonly [string, number[]][] = [
    ['a lone continuation byte', [0x80]],
    ['an overlong slash', [0xc0, 0xaf]],
    ['an overlong NUL in three bytes', [0xe0, 0x80, 0x80]],
    ['a UTF-16 surrogate', [0xed, 0xa0, 0x80]],
    ['past U+10FFFF', [0xf4, 0x90, 0x80, 0x80]],
    ['a 5-byte form', [0xf8, 0x88, 0x80, 0x80, 0x80]],
    ['a truncated sequence at the end', [0x61, 0xe2, 0x82]],
    ['0xFE', [0xfe]],
    ['0xFF', [0xff]],
  ]
  it.each(invalid)(
    'refuses text with %s with 1007, whole or in fragments',
    (_what, bytes) => {
      const payload = Buffer.from([0x68, 0x69, ...bytes])
      for (const message of [
        text(payload),
        Buffer.concat([
          text(payload.subarray(0, 3), false),
          cont(payload.subarray(3)),
        ]),
      ]) {
        const { events } = parse([message])
        expect(events).toEqual([
          {
            kind: 'violation',
            violation: {
              code: 1007,
              errorCode: 'WS_ERR_INVALID_UTF8',
              reason: 'Invalid UTF-8 in a text message or close reason.',
            },
          },
        ])
      }
    },
  )

  it('agrees with the decoder on every 2-byte sequence', () => {
    const decoder = new TextDecoder('utf-8', { fatal: true })
    for (let a = 0x80; a < 0x100; a++)
      for (const b of [0x00, 0x7f, 0x80, 0xbf, 0xc0, 0xff]) {
        const bytes = Buffer.from([a, b])
        let isValid = true
        try {
          decoder.decode(bytes)
        } catch {
          isValid = false
        }
        const { events } = parse([text(bytes)])
        expect(events[0]?.kind, `0x${bytes.toString('hex')}`).toBe(
          isValid ? 'text' : 'violation',
        )
      }
  })
})

describe('close handling (Autobahn 7)', () => {
  it('reads a close frame with no payload as 1005 (no status), and nothing after it', () => {
    const { events, parser } = parse([Buffer.concat([close(), binary('late')])])
    expect(events).toEqual([{ kind: 'close', code: 1005, reason: '' }])
    expect(parser.isDone).toBe(true)
  })

  it('reads the code and the UTF-8 reason, even split across chunks', () => {
    const bytes = close(closePayload(1000, 'bye, wörld'))
    for (const chunks of everySplit(bytes))
      expect(parse(chunks).events).toEqual([
        { kind: 'close', code: 1000, reason: 'bye, wörld' },
      ])
  })

  it('accepts a reason of 123 bytes, the most a close frame holds', () => {
    const reason = 'r'.repeat(123)
    expect(parse([close(closePayload(4000, reason))]).events).toEqual([
      { kind: 'close', code: 4000, reason },
    ])
  })

  it('refuses a close frame of 1 byte with 1002', () => {
    expect(
      violationOf(parse([close(Buffer.from([0x03]))]).events),
    ).toMatchObject({ code: 1002 })
  })

  it.each([
    0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535,
  ])('refuses close code %i with 1002', (code) => {
    expect(violationOf(parse([close(closePayload(code))]).events)).toEqual({
      code: 1002,
      errorCode: 'WS_ERR_INVALID_CLOSE_CODE',
      reason: 'Invalid close code.',
    })
  })

  it.each([
    1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014,
    3000, 3999, 4000, 4999,
  ])('accepts close code %i', (code) => {
    expect(isValidCloseCode(code)).toBe(true)
    expect(parse([close(closePayload(code))]).events).toEqual([
      { kind: 'close', code, reason: '' },
    ])
  })

  it('refuses a close reason that is not UTF-8 with 1007', () => {
    expect(
      violationOf(
        parse([close(closePayload(1000, Buffer.from([0xc0, 0xaf])))]).events,
      ),
    ).toMatchObject({
      code: 1007,
    })
  })

  it('reads a close frame between the fragments of a message, and drops the unfinished message', () => {
    const { events, parser } = parse([
      Buffer.concat([text('half', false), close(closePayload(1000))]),
    ])
    expect(events).toEqual([{ kind: 'close', code: 1000, reason: '' }])
    expect(parser.heldBytes).toBe(0)
  })
})

describe("limits (Autobahn 9, and the relay's message limit)", () => {
  it('accepts a message of exactly the limit', () => {
    const payload = pattern(1000)
    expect(parse([binary(payload)], 1000).events).toEqual([
      { kind: 'binary', bytes: payload },
    ])
  })

  it('refuses a message over the limit with 1009 from its header, before any payload arrives', () => {
    const header = frame({
      opcode: Opcode.BINARY,
      payload: pattern(1001),
    }).subarray(0, 8)
    const { events } = parse([header], 1000)
    expect(events).toEqual([
      {
        kind: 'violation',
        violation: {
          code: 1009,
          errorCode: 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH',
          reason:
            "Message over the relay's limit of 1000 bytes (--max-message-size).",
        },
      },
    ])
  })

  it('counts the fragments of one message together against the limit', () => {
    const bytes = Buffer.concat([
      binary(pattern(600), false),
      cont(pattern(401)),
    ])
    const { events } = parse([bytes], 1000)
    expect(events.map((e) => e.kind)).toEqual(['binary', 'violation'])
    expect(violationOf(events)?.code).toBe(1009)
  })

  it('refuses a 64-bit length with its top bit set with 1002 (RFC 6455 5.2)', () => {
    const bytes = frame({
      opcode: Opcode.BINARY,
      payload: 'x',
      lengthForm: '64',
      declaredLength: 1n << 63n,
    })
    expect(violationOf(parse([bytes]).events)).toMatchObject({
      code: 1002,
      errorCode: 'WS_ERR_INVALID_PAYLOAD_LENGTH',
    })
  })

  it.each([2n ** 53n, 2n ** 62n, 2n ** 32n])(
    'refuses a 64-bit length of %s with 1009',
    (length) => {
      const bytes = frame({
        opcode: Opcode.BINARY,
        payload: 'x',
        lengthForm: '64',
        declaredLength: length,
      })
      expect(violationOf(parse([bytes]).events)?.code).toBe(1009)
    },
  )

  it('holds no binary payload once streaming, and a text message only until it is whole', () => {
    const parser = new FrameParser(MAX, silentSink())
    parser.streamBinary()
    parser.push(binary(pattern(5000)).subarray(0, 3000))
    expect(parser.heldBytes).toBe(0)
    const halfText = text(Buffer.alloc(5000, 0x61))
    const parser2 = new FrameParser(MAX, silentSink())
    parser2.push(Buffer.from(halfText.subarray(0, 3008)))
    expect(parser2.heldBytes).toBe(3000)
    parser2.push(Buffer.from(halfText.subarray(3008)))
    expect(parser2.heldBytes).toBe(0)
  })

  it('holds the bytes of a split header until it is whole (at most 14)', () => {
    const parser = new FrameParser(MAX, silentSink())
    parser.push(
      frame({ opcode: Opcode.BINARY, payload: 'x', lengthForm: '64' }).subarray(
        0,
        9,
      ),
    )
    expect(parser.heldBytes).toBe(9)
  })
})

function silentSink(): FrameSink {
  return {
    onBinary: () => undefined,
    onText: () => undefined,
    onPing: () => undefined,
    onPong: () => undefined,
    onClose: () => undefined,
    onViolation: () => undefined,
  }
}
