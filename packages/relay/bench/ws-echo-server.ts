/**
 * Peer "ws echo server, no relay": what the ws library costs alone. Echoes
 * every message back on the same WebSocket; no TCP hop behind it.
 * Usage: node ws-echo-server.js
 */
import type { AddressInfo } from 'node:net'
import { WebSocketServer } from 'ws'

const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 })

wss.on('connection', (ws) => {
  ws.on('error', () => ws.terminate())
  ws.on('message', (data: Buffer, isBinary) =>
    ws.send(data, { binary: isBinary }),
  )
})
wss.on('listening', () => {
  const { port } = wss.address() as AddressInfo
  console.log(
    JSON.stringify({ msg: 'relay listening', url: `ws://127.0.0.1:${port}/` }),
  )
})
process.on('SIGTERM', () => process.exit(0))
