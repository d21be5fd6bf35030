import { closePayload, encodeFrame, Opcode } from './raw-ws.js'

/**
 * The malformed frames of issue 7 ("What was seen": 28 ways to kill the
 * process before `open` is answered). Each is the bytes a client writes right
 * after its upgrade, and the close codes RFC 6455 allows in answer. The
 * hostile tests replay each one (expecting a close frame with one of these
 * codes and a reason); the fuzzer mutates them.
 */
export interface FrameCase {
  readonly name: string
  /** Bytes written after the handshake (and after `open`, for wsrelay.v1). */
  readonly bytes: Buffer
  /** Close codes that are a correct answer; a dropped connection is also accepted. */
  readonly codes: readonly number[]
  /** True when the relay may also keep the connection open (the input is legal). */
  readonly mayStayOpen?: boolean
  /**
   * True when the bytes begin with a well-formed binary data frame: a
   * `wsrelay.v1` client before its `open` is refused for that data (1008,
   * "Data before open.") as it arrives, before the relay reads what is
   * wrong further on.
   */
  readonly startsWithData?: boolean
}

/** `--max-message-size` the frame cases are written for. */
export const CASE_MAX_MESSAGE_BYTES = 4096

const PROTOCOL = [1002]
const BAD_UTF8 = [1007]
const TOO_BIG = [1009]
/** A 64-bit length past the message limit is "too big" before any payload arrives. */
const HUGE = [1009]

const frame = encodeFrame
const text = (payload: Buffer | string, fin = true) =>
  frame({ opcode: Opcode.TEXT, payload, fin })
const binary = (payload: Buffer | string, fin = true) =>
  frame({ opcode: Opcode.BINARY, payload, fin })
const cont = (payload: Buffer | string, fin = true) =>
  frame({ opcode: Opcode.CONTINUATION, payload, fin })
const close = (payload: Buffer) => frame({ opcode: Opcode.CLOSE, payload })
const badCloseCode = (code: number): FrameCase => ({
  name: `a close frame with code ${code}`,
  bytes: close(closePayload(code, 'bye')),
  codes: PROTOCOL,
})

function manyFragments(count: number): Buffer {
  const parts = [binary('x', false)]
  for (let i = 1; i < count - 1; i++) parts.push(cont('x', false))
  parts.push(cont('x', true))
  return Buffer.concat(parts)
}

/** Every malformed-frame item of issue 7, as bytes. */
export const FRAME_CASES: readonly FrameCase[] = [
  {
    name: 'invalid UTF-8 in a text frame',
    bytes: text(Buffer.from([0x68, 0xff, 0xfe, 0x69])),
    codes: BAD_UTF8,
  },
  {
    name: 'invalid UTF-8 split over the fragments of a text message',
    bytes: Buffer.concat([
      text(Buffer.from([0xe0, 0xa4]), false),
      cont(Buffer.from([0x41])),
    ]),
    codes: BAD_UTF8,
  },
  {
    name: 'invalid UTF-8 in a close reason',
    bytes: close(closePayload(1000, Buffer.from([0xc0, 0xaf]))),
    codes: BAD_UTF8,
  },
  {
    name: 'an unmasked frame',
    bytes: frame({ opcode: Opcode.BINARY, payload: 'hi', mask: false }),
    codes: PROTOCOL,
  },
  ...(
    [
      [4, 'RSV1'],
      [2, 'RSV2'],
      [1, 'RSV3'],
      [3, 'RSV2 and RSV3'],
    ] as const
  ).map(([rsv, bits]): FrameCase => ({
    name: `a frame with ${bits} set`,
    bytes: frame({ opcode: Opcode.BINARY, payload: 'hi', rsv }),
    codes: PROTOCOL,
  })),
  {
    name: 'reserved data opcode 3',
    bytes: frame({ opcode: 0x3, payload: 'hi' }),
    codes: PROTOCOL,
  },
  {
    name: 'reserved control opcode 0xB',
    bytes: frame({ opcode: 0xb, payload: 'hi' }),
    codes: PROTOCOL,
  },
  {
    name: 'a fragmented ping',
    bytes: frame({ opcode: Opcode.PING, payload: 'hi', fin: false }),
    codes: PROTOCOL,
  },
  {
    name: 'a ping with 126 bytes of payload',
    bytes: frame({ opcode: Opcode.PING, payload: Buffer.alloc(126, 0x61) }),
    codes: PROTOCOL,
  },
  {
    name: 'a close frame with 126 bytes of payload',
    bytes: close(closePayload(1000, Buffer.alloc(124, 0x61))),
    codes: PROTOCOL,
  },
  {
    // RFC 6455 5.2: "the most significant bit MUST be 0".
    name: 'a 64-bit length with the top bit set',
    bytes: frame({
      opcode: Opcode.BINARY,
      payload: 'hi',
      lengthForm: '64',
      declaredLength: 0x8000000000000000n,
    }),
    codes: PROTOCOL,
  },
  ...(
    [
      ['2^53', 2n ** 53n],
      ['2^62', 2n ** 62n],
    ] as const
  ).map(([what, length]): FrameCase => ({
    name: `a 64-bit length with ${what}`,
    bytes: frame({
      opcode: Opcode.BINARY,
      payload: 'hi',
      lengthForm: '64',
      declaredLength: length,
    }),
    codes: HUGE,
  })),
  {
    name: 'a continuation frame with no start',
    bytes: cont('orphan'),
    codes: PROTOCOL,
  },
  {
    name: 'a text frame interleaved into a fragmented message',
    bytes: Buffer.concat([binary('first', false), text('intruder')]),
    codes: PROTOCOL,
    startsWithData: true,
  },
  {
    name: 'a close frame of 1 byte',
    bytes: close(Buffer.from([0x03])),
    codes: PROTOCOL,
  },
  ...[999, 1004, 1005, 1006, 1015, 5000].map(badCloseCode),
  {
    name: 'a message one byte over --max-message-size',
    bytes: binary(Buffer.alloc(CASE_MAX_MESSAGE_BYTES + 1, 0x61)),
    codes: TOO_BIG,
  },
  {
    name: 'a message one byte over --max-message-size, in fragments',
    bytes: Buffer.concat([
      binary(Buffer.alloc(CASE_MAX_MESSAGE_BYTES / 2, 0x61), false),
      cont(Buffer.alloc(CASE_MAX_MESSAGE_BYTES / 2 + 1, 0x61)),
    ]),
    codes: TOO_BIG,
    startsWithData: true,
  },
  {
    name: '20,000 one-byte fragments',
    bytes: manyFragments(20_000),
    codes: [...TOO_BIG, ...PROTOCOL, 1008],
    mayStayOpen: true,
    startsWithData: true,
  },
  {
    name: 'HTTP bytes pipelined after the upgrade',
    bytes: Buffer.from(
      'GET /again HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n',
    ),
    codes: PROTOCOL,
  },
]

/** Malformed percent escapes in the upgrade path (issue 7: `decodeURIComponent` throws). */
export const BAD_PATHS: readonly string[] = [
  '/%',
  '/%zz',
  '/%ff',
  '/a%',
  '/%E0%A4%A',
  '/%C0%AF',
]
