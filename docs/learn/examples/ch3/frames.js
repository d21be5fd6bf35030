// A tour of the frames chapter 2 left out, over a bare TCP socket: a ping and
// its pong, one message in two fragments with a ping between them, a payload
// that needs the 16-bit length, and an offer of permessage-deflate.
//   node docs/learn/examples/ch3/frames.js 8081
//   node docs/learn/examples/ch3/frames.js 8081 --no-pong   (answer nothing)
import { randomBytes } from 'node:crypto'
import net from 'node:net'
import { OPCODES, clientFrame, serverFrame } from './frame-codec.js'

const port = Number(process.argv[2] ?? 8081)
const answerPings = !process.argv.includes('--no-pong')
const hex = (bytes) =>
  [...bytes].map((b) => b.toString(16).padStart(2, '0')).join(' ')
/** A frame's payload in a few words: a close frame's code, else the bytes as text (long ones cut). */
function describe(opcode, payload) {
  if (opcode === 0x8)
    return `code ${payload.readUInt16BE(0)} ${payload.subarray(2)}`.trim()
  const text = payload.toString('utf8')
  const shown =
    text.length > 24 ? `${text.slice(0, 6)}…${text.slice(-18)}` : text
  return `${payload.length} bytes ${JSON.stringify(shown)}`
}

const socket = net.connect(port, '127.0.0.1')
function send(opcode, data, options) {
  const payload = Buffer.from(data)
  const { head, frame } = clientFrame(opcode, payload, options)
  console.log(
    `> ${hex(head)} + mask  ${OPCODES[opcode]}, FIN ${head[0] >> 7}, ${describe(opcode, payload)}`,
  )
  socket.write(frame)
}

socket.write(
  'GET / HTTP/1.1\r\n' +
    `Host: 127.0.0.1:${port}\r\n` +
    'Upgrade: websocket\r\n' +
    'Connection: Upgrade\r\n' +
    `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\n` +
    'Sec-WebSocket-Version: 13\r\n' +
    'Sec-WebSocket-Protocol: binary\r\n' +
    'Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n\r\n',
)

// What to send after each server frame: the script's steps, in order.
const steps = [
  () => send(0x9, 'are you there?'),
  () => {
    // One text message, "hello\n", in two frames; a control frame may come between.
    send(0x1, 'hel', { fin: false })
    send(0x9, 'between the fragments')
    send(0x0, 'lo\n')
  },
  () => undefined, // the second pong
  () => send(0x2, `${'x'.repeat(199)}\n`), // 200 bytes: 126, then a 16-bit length
  () => send(0x8, [0x03, 0xe8]), // close, code 1000
]

let buf = Buffer.alloc(0)
let handshakeDone = false
let closeSeen = false
socket.on('data', (chunk) => {
  buf = Buffer.concat([buf, chunk])
  if (!handshakeDone) {
    const end = buf.indexOf('\r\n\r\n')
    if (end < 0) return
    const head = buf.subarray(0, end).toString('latin1')
    buf = buf.subarray(end + 4)
    handshakeDone = true
    const extensions = /^Sec-WebSocket-Extensions: (.*)$/im.exec(head)
    console.log(
      `${head.split('\r\n')[0]}; extensions: ${extensions ? extensions[1] : 'none (permessage-deflate declined)'}`,
    )
    if (answerPings) steps.shift()()
  }
  for (let frame = serverFrame(buf); frame; frame = serverFrame(buf)) {
    buf = buf.subarray(frame.size)
    console.log(
      `< ${hex(frame.head)}  ${OPCODES[frame.opcode] ?? `opcode ${frame.opcode}`}, FIN ${+frame.fin}, RSV1 ${+frame.rsv1}, ${describe(frame.opcode, frame.payload)}`,
    )
    if (frame.opcode === 0x8) {
      closeSeen = true
      socket.end()
    } else if (frame.opcode === 0x9 && !answerPings)
      console.log('  (no pong: we stay silent)')
    else steps.shift()?.()
  }
})
socket.on('close', () => {
  if (!closeSeen)
    console.log('the relay ended the TCP connection, no close frame')
})
socket.on('error', (err) =>
  console.error(`cannot talk to 127.0.0.1:${port}: ${err.message}`),
)
