// A WebSocket client with nothing but a TCP socket: the HTTP Upgrade, one
// masked client frame, one server frame, then a close. Run it against a relay:
//   node docs/learn/examples/ch2/raw-websocket.js 8081
import { createHash } from 'node:crypto'
import net from 'node:net'

const port = Number(process.argv[2] ?? 8081)
const key = 'dGhlIHNhbXBsZSBub25jZQ==' // RFC 6455's example; browsers send 16 random bytes
const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11'
const MASK = Buffer.from([0x37, 0xfa, 0x21, 0x3d]) // RFC 6455's example; browsers pick one per frame
const hex = (bytes) =>
  [...bytes].map((b) => b.toString(16).padStart(2, '0')).join(' ')

/** A client frame: FIN + opcode, MASK bit + length, mask key, masked payload. */
function clientFrame(opcode, payload) {
  const masked = payload.map((byte, i) => byte ^ MASK[i % 4])
  return Buffer.concat([
    Buffer.from([0x80 | opcode, 0x80 | payload.length]),
    MASK,
    masked,
  ])
}

/** Reads one unmasked server frame (payloads under 126 bytes), or undefined if incomplete. */
function serverFrame(buf) {
  if (buf.length < 2 || buf.length < 2 + (buf[1] & 0x7f)) return undefined
  const length = buf[1] & 0x7f
  return {
    opcode: buf[0] & 0x0f,
    bytes: buf.subarray(0, 2 + length),
    payload: buf.subarray(2, 2 + length),
  }
}

const socket = net.connect(port, '127.0.0.1')
socket.write(
  'GET / HTTP/1.1\r\n' +
    `Host: 127.0.0.1:${port}\r\n` +
    'Upgrade: websocket\r\n' +
    'Connection: Upgrade\r\n' +
    `Sec-WebSocket-Key: ${key}\r\n` +
    'Sec-WebSocket-Version: 13\r\n' +
    'Sec-WebSocket-Protocol: binary\r\n\r\n',
)

let buf = Buffer.alloc(0)
let step = 'handshake'
socket.on('data', (chunk) => {
  buf = Buffer.concat([buf, chunk])
  if (step === 'handshake') {
    const end = buf.indexOf('\r\n\r\n')
    if (end < 0) return
    const head = buf.subarray(0, end).toString('latin1')
    buf = buf.subarray(end + 4)
    console.log(head.replaceAll('\r\n', '\n'))
    const expected = createHash('sha1')
      .update(key + GUID)
      .digest('base64')
    console.log(
      `accept matches our own SHA-1: ${head.includes(`Sec-WebSocket-Accept: ${expected}`)}`,
    )
    const frame = clientFrame(0x1, Buffer.from('hello\n'))
    console.log(`client frame: ${hex(frame)}`)
    socket.write(frame)
    step = 'data'
  }
  for (let frame = serverFrame(buf); frame; frame = serverFrame(buf)) {
    buf = buf.subarray(frame.bytes.length)
    console.log(`server frame: ${hex(frame.bytes)}`)
    if (frame.opcode === 0x2) {
      console.log(
        `  opcode 2 (binary), ${frame.payload.length} bytes: ${JSON.stringify(frame.payload.toString())}`,
      )
      socket.write(clientFrame(0x8, Buffer.from([0x03, 0xe8]))) // close, code 1000
    } else if (frame.opcode === 0x8) {
      console.log(`  opcode 8 (close), code ${frame.payload.readUInt16BE(0)}`)
      socket.end()
    }
  }
})
socket.on('error', (err) =>
  console.error(`cannot talk to 127.0.0.1:${port}: ${err.message}`),
)
