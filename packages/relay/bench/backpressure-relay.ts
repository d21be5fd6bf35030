/**
 * Peer "ws relay with backpressure": the smallest relay on the ws library
 * that is safe under a slow reader. Each side stops reading while the other
 * side holds more than HIGH_WATER_MARK_BYTES, and resumes once it drains.
 * No limits, logging, origin checks or control messages: the floor a full
 * relay on the same library is measured against.
 * Usage: node backpressure-relay.js TARGET_HOST:PORT
 */
import net from 'node:net'
import { WebSocketServer, type WebSocket } from 'ws'

const HIGH_WATER_MARK_BYTES = 1024 * 1024
const [host, port] = (process.argv[2] ?? '').split(':')
const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 })

function relay(ws: WebSocket): void {
  const tcp = net.connect(Number(port), host)
  tcp.setNoDelay(true)

  // Target to browser: pause the TCP socket while the WebSocket's send
  // buffer is over the mark; each completed send checks whether to resume.
  const onSent = (): void => {
    if (tcp.isPaused() && ws.bufferedAmount < HIGH_WATER_MARK_BYTES / 2) {
      tcp.resume()
    }
  }
  tcp.on('data', (data) => {
    ws.send(data, { binary: true }, onSent)
    if (ws.bufferedAmount > HIGH_WATER_MARK_BYTES) tcp.pause()
  })

  // Browser to target: stop reading frames while the TCP socket is full.
  ws.on('message', (data: Buffer) => {
    if (!tcp.write(data)) ws.pause()
  })
  tcp.on('drain', () => ws.resume())

  // Either side ending ends the other, after what is buffered is flushed.
  tcp.on('end', () => ws.close(1000))
  tcp.on('error', () => ws.close(1011))
  tcp.on('close', () => {
    if (ws.readyState === ws.OPEN) ws.close(1011)
  })
  ws.on('close', () => tcp.end())
  ws.on('error', () => tcp.destroy())
}

wss.on('connection', relay)
wss.on('error', (err) => {
  console.error(err)
  process.exit(1)
})
wss.on('listening', () => {
  const { port: own } = wss.address() as net.AddressInfo
  console.log(
    JSON.stringify({ msg: 'relay listening', url: `ws://127.0.0.1:${own}/` }),
  )
})
process.on('SIGTERM', () => process.exit(0))
