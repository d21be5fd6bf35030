import {
  BAD_PATHS,
  closePayload,
  encodeFrame,
  FRAME_CASES,
  FUZZ_NAMES,
  handshakeRequest,
  Opcode,
} from '@wsrelay/test-kit'

/**
 * The echo target's port, for opens that an allow rule admits; set by
 * {@link generateInput} for the input it builds (the same seed and index
 * give the same input for the same target).
 */
let targetPort = 1

/** A line a client would like to see in the relay's log. */
const FORGED_LINE = '\n[12:00:00.000] INFO: forged ok'

/** A deterministic PRNG (mulberry32): the same seed gives the same inputs. */
export class Rng {
  private state: number
  constructor(seed: number) {
    this.state = seed >>> 0
  }
  /** A float in [0, 1). */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0)
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n)
  }
  chance(p: number): boolean {
    return this.next() < p
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)] as T
  }
  bytes(n: number): Buffer {
    const out = Buffer.alloc(n)
    for (let i = 0; i < n; i++) out[i] = this.int(256)
    return out
  }
}

/** One fuzz input: what kind it is and the TCP writes it makes, in order. */
export interface FuzzInput {
  readonly kind:
    | 'frames'
    | 'mutated-case'
    | 'control'
    | 'handshake'
    | 'path'
    | 'chopped'
    | 'datagrams'
  readonly writes: readonly Buffer[]
  /**
   * For a well-formed stream: the bytes the echo target must send back, in
   * binary frames, before the relay closes (every message's payload, in
   * order). The fuzzer checks them: the frame parser must hand on every byte
   * exactly, however the stream was cut.
   */
  readonly echo?: Buffer
}

/** Lengths at the edges of RFC 6455's three length encodings. */
const BOUNDARY_LENGTHS = [0, 1, 124, 125, 126, 127, 128, 65535, 65536, 65537]
const SUBPROTOCOLS = [
  ['binary'],
  ['wsrelay.v1'],
  [],
  ['wsrelay.v1', 'binary'],
  ['bogus'],
]

function randomPayload(rng: Rng, length: number): Buffer {
  switch (rng.int(4)) {
    case 0:
      return rng.bytes(length)
    case 1:
      return Buffer.alloc(length, 0x61)
    case 2: {
      // Text that turns invalid UTF-8 somewhere.
      const b = Buffer.alloc(length, 0x62)
      if (length > 0)
        b[rng.int(length)] = rng.pick([0xff, 0xc0, 0xe0, 0xed, 0xf5])
      return b
    }
    default:
      return Buffer.from(controlText(rng)).subarray(0, Math.max(length, 1))
  }
}

function randomFrame(rng: Rng): Buffer {
  const opcode = rng.chance(0.7)
    ? rng.pick([
        Opcode.TEXT,
        Opcode.BINARY,
        Opcode.CONTINUATION,
        Opcode.PING,
        Opcode.PONG,
        Opcode.CLOSE,
      ])
    : rng.int(16)
  const length = rng.chance(0.3) ? rng.pick(BOUNDARY_LENGTHS) : rng.int(200)
  let payload = randomPayload(rng, length)
  if (opcode === Opcode.CLOSE && rng.chance(0.6))
    payload = closePayload(
      rng.pick([
        1000,
        1001,
        999,
        1004,
        1005,
        1006,
        1015,
        2999,
        3000,
        4999,
        5000,
        rng.int(65536),
      ]),
      rng.bytes(rng.int(10)),
    )
  const lie = rng.chance(0.1)
  return encodeFrame({
    opcode,
    payload,
    fin: rng.chance(0.8),
    rsv: rng.chance(0.1) ? rng.int(8) : 0,
    mask: rng.chance(0.95),
    lengthForm: rng.chance(0.15)
      ? rng.pick(['7', '16', '64'] as const)
      : 'auto',
    ...(lie
      ? {
          declaredLength: rng.pick([
            0n,
            125n,
            126n,
            65535n,
            65536n,
            2n ** 53n,
            2n ** 62n,
            2n ** 63n,
            2n ** 64n - 1n,
            BigInt(rng.int(100000)),
          ]),
        }
      : {}),
  })
}

/** What `open` may say its transport is: the two it knows, and what it must refuse. */
const TRANSPORT_VALUES: readonly unknown[] = [
  'tcp',
  'udp',
  'UDP',
  '',
  'sctp',
  null,
  7,
  ['udp'],
  { udp: true },
]

/** A wsrelay.v1 control message: valid, odd or oversize. */
function controlText(rng: Rng): string {
  const options = [
    () => JSON.stringify({ type: 'open' }),
    () =>
      JSON.stringify({
        type: 'open',
        route: rng.pick(['echo', 'game', 'nope', '..', 'a'.repeat(70)]),
        ...(rng.chance(0.5) ? { transport: rng.pick(TRANSPORT_VALUES) } : {}),
      }),
    () =>
      JSON.stringify({
        type: 'open',
        transport: rng.pick(TRANSPORT_VALUES),
      }),
    () =>
      JSON.stringify({
        type: 'open',
        host: rng.pick([
          '127.0.0.1',
          '::1',
          '::ffff:127.0.0.1',
          '::ffff:7f00:1',
          '169.254.169.254',
          '10.0.0.1',
          'not a host',
          // Names the DNS stub answers fast, late, never, or not at all.
          FUZZ_NAMES.fast,
          FUZZ_NAMES.slow,
          FUZZ_NAMES.never,
          'FAST.TEST.',
          'nxdomain.test',
          'a'.repeat(63) + '.' + 'b'.repeat(63) + '.test',
          'localhost',
        ]),
        port: rng.pick([targetPort, targetPort, 1, 80, 65535, 0, 70000, -1]),
        ...(rng.chance(0.5) ? { transport: rng.pick(TRANSPORT_VALUES) } : {}),
      }),
    () =>
      JSON.stringify({
        type: rng.pick([FORGED_LINE, '\u001b[2J', 'open\r\n']),
      }),
    () =>
      JSON.stringify({
        type: 'open',
        route: rng.pick([
          'constructor',
          'toString',
          '__proto__',
          'hasOwnProperty',
          FORGED_LINE,
        ]),
      }),
    () =>
      JSON.stringify({
        type: 'ping',
        id: rng.int(1000),
        ts: rng.next() * 1e12,
      }),
    () => JSON.stringify({ type: 'ping', id: -1, ts: 'x' }),
    () => JSON.stringify({ type: 'end' }),
    () => JSON.stringify({ type: 'end', extra: 1 }),
    () =>
      JSON.stringify({
        type: rng.pick(['connected', 'pong', '__proto__', 'constructor', '']),
      }),
    () =>
      JSON.stringify({
        type: 'open',
        pad: 'x'.repeat(rng.pick([1000, 1024, 1025, 5000])),
      }),
    () => '{"type":"open"',
    () =>
      rng.pick([
        'null',
        '[]',
        '"open"',
        '1e400',
        '{"type":{"a":1}}',
        '{"__proto__":{"type":"open"}}',
      ]),
  ]
  return rng.pick(options)()
}

function controlSequence(rng: Rng): Buffer[] {
  const frames: Buffer[] = []
  const count = 1 + rng.int(12)
  for (let i = 0; i < count; i++) {
    const roll = rng.int(10)
    if (roll < 7)
      frames.push(
        encodeFrame({ opcode: Opcode.TEXT, payload: controlText(rng) }),
      )
    else if (roll < 9)
      frames.push(
        encodeFrame({
          opcode: Opcode.BINARY,
          payload: rng.bytes(rng.int(300)),
        }),
      )
    else frames.push(randomFrame(rng))
  }
  return frames
}

function mutate(rng: Rng, input: Buffer): Buffer {
  const out = Buffer.from(input)
  const edits = 1 + rng.int(4)
  let result = out
  for (let i = 0; i < edits && result.length > 0; i++) {
    switch (rng.int(4)) {
      case 0: {
        const at = rng.int(result.length)
        result[at] = (result[at] ?? 0) ^ (1 << rng.int(8))
        break
      }
      case 1:
        result = result.subarray(0, rng.int(result.length + 1))
        break
      case 2: {
        const at = rng.int(result.length)
        result = Buffer.concat([
          result.subarray(0, at),
          rng.bytes(1 + rng.int(8)),
          result.subarray(at),
        ])
        break
      }
      default:
        result = Buffer.concat([
          result,
          result.subarray(0, Math.min(result.length, 64)),
        ])
    }
  }
  return result
}

function randomPath(rng: Rng): string {
  if (rng.chance(0.15))
    return rng.pick([
      'ws://relay.example/echo',
      'http://127.0.0.1/echo?x=1',
      '/?token=fuzz-token-0123456789abcdef',
      '/%0a[12:00:00.000]%20INFO:%20forged',
      '/constructor',
      '/toString?x',
      '/__proto__',
    ])
  const pieces = [
    '/',
    'echo',
    'game',
    '%',
    '%zz',
    '%ff',
    '%2F',
    '%00',
    '..',
    '?',
    '#',
    'a',
    '%E0%A4%A',
    '%C0%AF',
    '%%',
    ';',
    '\u00e9',
  ]
  let path = rng.pick(['/', '/echo', '/game', ''])
  const n = rng.int(6)
  for (let i = 0; i < n; i++) path += rng.pick(pieces)
  return rng.chance(0.3) ? rng.pick(BAD_PATHS) : path.length > 0 ? path : '/'
}

function randomHandshake(rng: Rng, port: number): Buffer {
  const base = handshakeRequest(port, {
    path: randomPath(rng),
    protocols: rng.pick(SUBPROTOCOLS),
    ...(rng.chance(0.3)
      ? { version: rng.pick(['8', '13', '0', '', '99999999999']) }
      : {}),
    ...(rng.chance(0.3)
      ? {
          origin: rng.pick([
            'null',
            'http://evil.example',
            `http://127.0.0.1:${port}`,
            '%',
          ]),
        }
      : {}),
    ...(rng.chance(0.2)
      ? {
          host: rng.pick([
            null,
            'rebind.attacker.example',
            '[::1',
            '',
            'x'.repeat(9000),
          ]),
        }
      : {}),
    headers: rng.chance(0.3)
      ? [
          rng.pick([
            'Sec-WebSocket-Origin: evil',
            'X-Forwarded-For: 1.2.3.4, garbage',
            'Sec-WebSocket-Extensions: permessage-deflate',
            'Content-Length: 10',
            'Transfer-Encoding: chunked',
            'Sec-WebSocket-Protocol: WSRELAY.TOKEN.fuzz-token-0123456789abcdef',
            'Sec-WebSocket-Protocol: fuzz-token-0123456789abcdef',
          ]),
        ]
      : [],
  })
  return rng.chance(0.5) ? mutate(rng, base) : base
}

/** Valid UTF-8 of 1 to 4 bytes per character, so fragments and writes cut through characters. */
function utf8Text(rng: Rng, length: number): Buffer {
  const chars = ['a', 'é', '€', '😀', ' ', '\u{10ffff}', 'ß', '\u{7f}']
  let text = ''
  while (Buffer.byteLength(text) < length) text += rng.pick(chars)
  return Buffer.from(text)
}

/**
 * A well-formed raw session cut at random places: binary and text messages
 * of boundary and random lengths, split into fragments with pings and pongs
 * between them, every byte of it (headers included) cut into TCP writes at
 * arbitrary positions. What comes back must be every payload byte, in order.
 */
function choppedSession(rng: Rng, port: number): FuzzInput {
  const frames: Buffer[] = []
  const payloads: Buffer[] = []
  const messages = 1 + rng.int(8)
  for (let m = 0; m < messages; m++) {
    const isText = rng.chance(0.3)
    const length = rng.chance(0.3)
      ? rng.pick(BOUNDARY_LENGTHS.filter((n) => n <= 65536))
      : rng.int(3000)
    // Text may run 3 bytes past `length` (a whole character): under the fuzz relay's 64 KiB limit.
    const payload = isText
      ? utf8Text(rng, Math.min(length, 60_000))
      : rng.bytes(length)
    payloads.push(payload)
    const parts = rng.chance(0.5) ? 1 : 1 + rng.int(6)
    const cuts = [
      ...new Set(
        Array.from({ length: parts - 1 }, () => rng.int(payload.length + 1)),
      ),
    ].sort((a, b) => a - b)
    const bounds = [0, ...cuts, payload.length]
    for (let i = 0; i + 1 < bounds.length; i++) {
      frames.push(
        encodeFrame({
          opcode:
            i > 0 ? Opcode.CONTINUATION : isText ? Opcode.TEXT : Opcode.BINARY,
          payload: payload.subarray(bounds[i], bounds[i + 1]),
          fin: i + 2 === bounds.length,
          // A longer length form than needed is legal; a shorter one would lie.
          lengthForm: rng.chance(0.1)
            ? (bounds[i + 1] ?? 0) - (bounds[i] ?? 0) < 65536 && rng.chance(0.5)
              ? '16'
              : '64'
            : 'auto',
        }),
      )
      if (rng.chance(0.2))
        frames.push(
          encodeFrame({
            opcode: rng.pick([Opcode.PING, Opcode.PONG]),
            payload: rng.bytes(rng.int(126)),
          }),
        )
    }
  }
  const stream = Buffer.concat(frames)
  const writes = [
    handshakeRequest(port, { protocols: rng.pick([['binary'], []]) }),
  ]
  for (let at = 0; at < stream.length;) {
    const size = rng.chance(0.3) ? 1 + rng.int(16) : 1 + rng.int(20_000)
    writes.push(stream.subarray(at, at + size))
    at += size
  }
  return { kind: 'chopped', writes, echo: Buffer.concat(payloads) }
}

/** The input number `index` of a run seeded with `seed`; the same pair (and target) always gives the same input. */
export function generateInput(
  seed: number,
  index: number,
  port: number,
  echoPort = 1,
): FuzzInput {
  targetPort = echoPort
  const rng = new Rng((seed ^ Math.imul(index + 1, 0x9e3779b1)) >>> 0)
  const upgrade = (protocols: readonly string[]) =>
    handshakeRequest(port, { protocols })
  const kind = rng.pick([
    'frames',
    'mutated-case',
    'control',
    'handshake',
    'path',
    'chopped',
    'datagrams',
  ] as const)
  switch (kind) {
    case 'chopped':
      return choppedSession(rng, port)
    case 'frames': {
      const frames = Array.from({ length: 1 + rng.int(6) }, () =>
        randomFrame(rng),
      )
      const head = upgrade(rng.pick(SUBPROTOCOLS))
      // Sometimes everything in one TCP write with the handshake, sometimes frame by frame.
      return {
        kind,
        writes: rng.chance(0.3)
          ? [Buffer.concat([head, ...frames])]
          : [head, ...frames],
      }
    }
    case 'mutated-case': {
      const base = rng.pick(FRAME_CASES).bytes
      const prefix = rng.chance(0.5)
        ? [encodeFrame({ opcode: Opcode.TEXT, payload: controlText(rng) })]
        : []
      return {
        kind,
        writes: [
          upgrade(rng.pick(SUBPROTOCOLS)),
          ...prefix,
          mutate(rng, base.subarray(0, 4096)),
        ],
      }
    }
    case 'control':
      return {
        kind,
        writes: [upgrade(['wsrelay.v1']), ...controlSequence(rng)],
      }
    case 'handshake':
      return {
        kind,
        writes: [
          randomHandshake(rng, port),
          ...(rng.chance(0.5) ? [randomFrame(rng)] : []),
        ],
      }
    case 'datagrams': {
      // The UDP route: one datagram per message, around the largest one
      // IPv4 carries (65,507 bytes) and the relay's message limit.
      const frames = Array.from({ length: 1 + rng.int(6) }, () =>
        rng.chance(0.7)
          ? encodeFrame({
              opcode: rng.pick([Opcode.BINARY, Opcode.TEXT]),
              payload: Buffer.alloc(
                rng.pick([0, 1, 64, 1200, 65_506, 65_507, 65_508, 65_536]),
                0x61,
              ),
            })
          : randomFrame(rng),
      )
      return {
        kind,
        writes: [
          handshakeRequest(port, {
            path: '/game',
            protocols: rng.pick(SUBPROTOCOLS),
          }),
          ...(rng.chance(0.3)
            ? [
                encodeFrame({
                  opcode: Opcode.TEXT,
                  payload: JSON.stringify({ type: 'open' }),
                }),
              ]
            : []),
          ...frames,
        ],
      }
    }
    case 'path': {
      const head = handshakeRequest(port, {
        path: randomPath(rng),
        protocols: rng.pick(SUBPROTOCOLS),
      })
      return {
        kind,
        writes: [
          head,
          encodeFrame({
            opcode: Opcode.TEXT,
            payload: JSON.stringify({ type: 'open' }),
          }),
        ],
      }
    }
  }
}
