import { encodeFrame } from '@wsrelay/test-kit'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import * as ws from 'ws'
import { FrameParser, Opcode, type FrameSink } from './frame-parser.js'

// The frame parser against arbitrary input: well-formed streams come through
// byte for byte however they are cut; any bytes at all leave it bounded and
// quiet after its last word; and on arbitrary frame sequences it reaches the
// same verdict as ws's own receiver (the layer it replaces).

const MAX = 4096

interface Outcome {
  /** Binary payload, all messages in order. */
  binary: Buffer
  /** Each binary delivery, in hex: whole messages unless streaming. */
  binaryParts: string[]
  texts: string[]
  pings: string[]
  /** Close code read, or the violation's code; undefined when the stream just ended. */
  end: number | undefined
  /** Events after the end (must be none). */
  late: number
}

/** Parses `chunks`: streaming binary payload (a TCP session) or whole binary messages (UDP). */
function run(
  chunks: readonly Buffer[],
  { isStreaming = true, maxMessageSize = MAX } = {},
) {
  const outcome: Outcome = {
    binary: Buffer.alloc(0),
    binaryParts: [],
    texts: [],
    pings: [],
    end: undefined,
    late: 0,
  }
  const binary: Buffer[] = []
  const after = () => {
    if (outcome.end !== undefined) outcome.late++
  }
  const sink: FrameSink = {
    onBinary: (b) => (
      after(),
      binary.push(Buffer.from(b)),
      outcome.binaryParts.push(b.toString('hex'))
    ),
    onText: (b) => (after(), outcome.texts.push(b.toString('hex'))),
    onPing: (b) => (after(), outcome.pings.push(b.toString('hex'))),
    onPong: () => after(),
    onClose: (code) => (after(), (outcome.end = code)),
    onViolation: (v) => (after(), (outcome.end = v.code)),
  }
  const parser = new FrameParser(maxMessageSize, sink)
  if (isStreaming) parser.streamBinary()
  let peakHeld = 0
  for (const chunk of chunks) {
    parser.push(Buffer.from(chunk))
    peakHeld = Math.max(peakHeld, parser.heldBytes)
  }
  outcome.binary = Buffer.concat(binary)
  return { outcome, parser, peakHeld }
}

/** Cuts `bytes` at the given (sorted, deduplicated) positions. */
function cut(bytes: Buffer, positions: readonly number[]): Buffer[] {
  const at = [...new Set(positions.map((p) => p % (bytes.length + 1)))].sort(
    (a, b) => a - b,
  )
  const bounds = [0, ...at, bytes.length]
  return bounds.slice(1).map((end, i) => bytes.subarray(bounds[i], end))
}

const key = fc
  .uint8Array({ minLength: 4, maxLength: 4 })
  .map((k) => Buffer.from(k))
const utf8 = fc
  .string({ unit: 'grapheme', maxLength: 60 })
  .map((s) => Buffer.from(s))

/** One message split into fragments (cut positions), with pings between them. */
const message = fc.record({
  isText: fc.boolean(),
  payload: fc.oneof(
    fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)),
    utf8,
  ),
  cuts: fc.array(fc.nat(), { maxLength: 4 }),
  ping: fc.option(fc.uint8Array({ maxLength: 125 }).map((a) => Buffer.from(a))),
  keys: fc.array(key, { minLength: 6, maxLength: 6 }),
})

describe('the frame parser on arbitrary input (property)', () => {
  it('hands on every message of a well-formed stream exactly, however it is fragmented and cut', () => {
    fc.assert(
      fc.property(
        fc.array(message, { maxLength: 8 }),
        fc.array(fc.nat(), { maxLength: 12 }),
        fc.boolean(),
        (messages, chunkCuts, isStreaming) => {
          const frames: Buffer[] = []
          const expected = {
            binary: [] as Buffer[],
            texts: [] as string[],
            pings: [] as string[],
          }
          for (const m of messages) {
            const payload = m.isText
              ? Buffer.from(m.payload.toString('utf8'))
              : m.payload
            const parts = cut(payload, m.cuts)
            parts.forEach((part, i) => {
              frames.push(
                encodeFrame({
                  opcode:
                    i > 0
                      ? Opcode.CONTINUATION
                      : m.isText
                        ? Opcode.TEXT
                        : Opcode.BINARY,
                  payload: part,
                  fin: i === parts.length - 1,
                  maskKey: m.keys[i % m.keys.length],
                }),
              )
              if (m.ping && i === 0) {
                frames.push(
                  encodeFrame({
                    opcode: Opcode.PING,
                    payload: m.ping,
                    maskKey: m.keys[5],
                  }),
                )
                expected.pings.push(m.ping.toString('hex'))
              }
            })
            if (m.isText) expected.texts.push(payload.toString('hex'))
            else expected.binary.push(payload)
          }
          const stream = Buffer.concat(frames)
          const { outcome, parser } = run(cut(stream, chunkCuts), {
            isStreaming,
          })
          expect(outcome.end).toBeUndefined()
          // Whole messages: each one exactly, the empty ones too.
          if (!isStreaming)
            expect(outcome.binaryParts).toEqual(
              expected.binary.map((b) => b.toString('hex')),
            )
          expect(outcome.binary.equals(Buffer.concat(expected.binary))).toBe(
            true,
          )
          expect(outcome.texts).toEqual(expected.texts)
          expect(outcome.pings).toEqual(expected.pings)
          expect(parser.heldBytes).toBe(0)
        },
      ),
      { numRuns: 400 },
    )
  })

  it('never throws on any bytes, holds at most a message, a header and a control payload, and says nothing after its last word', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.uint8Array({ maxLength: 200 }).map((a) => Buffer.from(a)),
          { maxLength: 10 },
        ),
        fc.boolean(),
        (chunks, isStreaming) => {
          const { outcome, peakHeld } = run(chunks, { isStreaming })
          expect(peakHeld).toBeLessThanOrEqual(MAX + 14 + 125)
          expect(outcome.late).toBe(0)
        },
      ),
      { numRuns: 1000 },
    )
  })

  it('reaches the same verdict as ws on arbitrary frame sequences', () => {
    const anyFrame = fc.record({
      opcode: fc.oneof(
        fc.constantFrom(0, 1, 2, 8, 9, 10),
        fc.integer({ min: 0, max: 15 }),
      ),
      payload: fc.oneof(
        fc.uint8Array({ maxLength: 140 }).map((a) => Buffer.from(a)),
        utf8,
        fc.constantFrom(
          Buffer.from([0x03, 0xe8]),
          Buffer.from([0x03, 0xe8, 0xc0, 0xaf]),
          Buffer.from([0x03, 0xed]),
          Buffer.from([0x0f, 0xa0]),
        ),
      ),
      fin: fc.boolean(),
      rsv: fc.oneof(
        { weight: 9, arbitrary: fc.constant(0) },
        { weight: 1, arbitrary: fc.integer({ min: 1, max: 7 }) },
      ),
      mask: fc.oneof(
        { weight: 19, arbitrary: fc.constant(true) },
        { weight: 1, arbitrary: fc.constant(false) },
      ),
      maskKey: key,
    })
    fc.assert(
      fc.property(
        fc.array(anyFrame, { minLength: 1, maxLength: 8 }),
        fc.array(fc.nat(), { maxLength: 6 }),
        fc.boolean(),
        (frames, chunkCuts, isStreaming) => {
          const stream = Buffer.concat(frames.map((f) => encodeFrame(f)))
          const ours = run(cut(stream, chunkCuts), { isStreaming }).outcome
          const theirs = runWs(stream)
          expect(ours.end).toBe(theirs.end)
          expect(ours.texts).toEqual(theirs.texts)
          expect(ours.pings).toEqual(theirs.pings)
          // ws hands on a binary message when it is whole; the parser as it
          // comes, so it may have handed on part of one ws never finished.
          expect(
            ours.binary.subarray(0, theirs.binary.length).equals(theirs.binary),
          ).toBe(true)
          // Whole messages: exactly ws's messages, boundaries included.
          if (!isStreaming) expect(ours.binaryParts).toEqual(theirs.binaryParts)
        },
      ),
      { numRuns: 1000 },
    )
  })
})

/** ws 8's receiver, as a server, reading the same bytes: what it delivers and how it ends. */
interface WsReceiver {
  on(event: string, listener: (...args: never[]) => void): void
  /** Writable's own `_write`: ws reports a refused frame to `done` at once (write() would a tick later). */
  _write(chunk: Buffer, encoding: string, done: (err?: Error) => void): void
}
type WsReceiverClass = new (options: {
  isServer: boolean
  maxPayload: number
}) => WsReceiver

function runWs(stream: Buffer): Omit<Outcome, 'late'> {
  const Receiver = (ws as unknown as { Receiver: WsReceiverClass }).Receiver
  const receiver = new Receiver({ isServer: true, maxPayload: MAX })
  const outcome: Omit<Outcome, 'late'> = {
    binary: Buffer.alloc(0),
    binaryParts: [],
    texts: [],
    pings: [],
    end: undefined,
  }
  const binary: Buffer[] = []
  receiver.on('message', (data: Buffer, isBinary: boolean) => {
    if (isBinary) {
      binary.push(Buffer.from(data))
      outcome.binaryParts.push(data.toString('hex'))
    } else outcome.texts.push(data.toString('hex'))
  })
  receiver.on('ping', (data: Buffer) =>
    outcome.pings.push(data.toString('hex')),
  )
  receiver.on('conclude', (code: number) => (outcome.end ??= code))
  receiver._write(Buffer.from(stream), 'buffer', (err) => {
    if (!err) return
    // ws keeps the close code under its own symbol (lib/constants.js: kStatusCode).
    const status = Object.getOwnPropertySymbols(err).find(
      (s) => s.description === 'status-code',
    )
    outcome.end ??= status
      ? (err as unknown as Record<symbol, number>)[status]
      : -1
  })
  outcome.binary = Buffer.concat(binary)
  return outcome
}
