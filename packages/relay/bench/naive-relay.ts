/**
 * The baseline: the 30-line WebSocket-to-TCP relay found in blog posts. It
 * forwards in both directions but ignores backpressure, so a slow reader makes
 * it buffer everything the target sends. Used only by the benchmark.
 */
import net from 'node:net'
import { WebSocketServer } from 'ws'

const [targetHost = '127.0.0.1', targetPort = '5000'] = (
  process.argv[2] ?? ''
).split(':')
const wss = new WebSocketServer({
  host: '127.0.0.1',
  port: 0,
  maxPayload: 100 * 1024 * 1024,
})

wss.on('connection', (ws) => {
  const tcp = net.connect(Number(targetPort), targetHost)
  tcp.on('data', (data) => ws.send(data))
  ws.on('message', (data: Buffer) => tcp.write(data))
  tcp.on('close', () => ws.close())
  tcp.on('error', () => ws.close())
  ws.on('close', () => tcp.destroy())
  ws.on('error', () => tcp.destroy())
})

wss.on('listening', () => {
  const { port } = wss.address() as net.AddressInfo
  console.log(
    JSON.stringify({ msg: 'relay listening', url: `ws://127.0.0.1:${port}/` }),
  )
})
process.on('SIGTERM', () => process.exit(0))
