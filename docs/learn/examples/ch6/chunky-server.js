// A TCP server that sends its bytes in awkward pieces, the way a network may
// deliver them: node chunky-server.js 7000 lines | vnc | vnc-split
import net from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'

const [port = '7000', mode = 'lines'] = process.argv.slice(2)

/** VNC's ServerInit (RFC 6143, 7.3.2): size, pixel format, name. */
function serverInit(width, height, name) {
  const nameBytes = Buffer.from(name, 'utf8')
  const head = Buffer.alloc(24)
  head.writeUInt16BE(width, 0)
  head.writeUInt16BE(height, 2)
  // Pixel format: 32 bits per pixel, depth 24, little-endian pixels,
  // true colour, max 255 per channel, red at bit 16, green 8, blue 0.
  Buffer.from([32, 24, 0, 1, 0, 255, 0, 255, 0, 255, 16, 8, 0, 0, 0, 0]).copy(
    head,
    4,
  )
  head.writeUInt32BE(nameBytes.length, 20)
  return Buffer.concat([head, nameBytes])
}

const PIECES = {
  // "hello\r\n", "café\n" and "bye" with the cuts in the worst places:
  // between CR and LF, and inside the two bytes of "é" (c3 a9).
  lines: [
    'hel',
    'lo\r',
    '\ncaf',
    Buffer.from([0xc3]),
    Buffer.from([0xa9, 0x0a]),
    'bye',
  ],
  // VNC's greeting in one piece, then cut in three: 3, 10 and 24 bytes.
  vnc: [serverInit(800, 600, 'wsrelay démo')],
  'vnc-split': (() => {
    const init = serverInit(800, 600, 'wsrelay démo')
    return [init.subarray(0, 3), init.subarray(3, 13), init.subarray(13)]
  })(),
}

if (!(mode in PIECES)) {
  console.error(
    `unknown mode "${mode}": expected ${Object.keys(PIECES).join(', ')}`,
  )
  process.exit(2)
}

const server = net.createServer(async (socket) => {
  socket.on('error', () => socket.destroy())
  socket.setNoDelay(true) // send each piece at once instead of batching them
  for (const piece of PIECES[mode]) {
    socket.write(piece)
    await sleep(50) // give each piece its own TCP segment and read
  }
  socket.end()
})
server.listen(Number(port), '127.0.0.1', () =>
  console.log(
    `chunky server (${mode}) listening on 127.0.0.1:${server.address().port}`,
  ),
)
process.once('SIGTERM', () => process.exit(0))
process.once('SIGINT', () => process.exit(0))
