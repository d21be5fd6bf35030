/**
 * Peer "20-line ws relay": the relay found in blog posts. It forwards both
 * ways but ignores backpressure, so a slow reader makes it buffer everything
 * the target sends. Usage: node naive-relay.js TARGET_HOST:PORT
 */
import net from 'node:net'
import { WebSocketServer } from 'ws'

const [host, port] = (process.argv[2] ?? '').split(':')
const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 })

wss.on('connection', (ws) => {
  const tcp = net.connect(Number(port), host)
  tcp.on('data', (data) => ws.send(data))
  ws.on('message', (data: Buffer) => tcp.write(data))
  tcp.on('close', () => ws.close())
  tcp.on('error', () => ws.close())
  ws.on('close', () => tcp.destroy())
  ws.on('error', () => tcp.destroy())
})
wss.on('listening', () => {
  const { port: own } = wss.address() as net.AddressInfo
  console.log(
    JSON.stringify({ msg: 'relay listening', url: `ws://127.0.0.1:${own}/` }),
  )
})
process.on('SIGTERM', () => process.exit(0))
