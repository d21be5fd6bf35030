// What "no backpressure" means. This script is the game server itself (UDP
// on PORT) and a page that stops reading: the server sends 40,000
// datagrams, at a pace the relay keeps up with, the relay can hold only its
// high-water mark for the page, and drops the rest, counted, instead of
// queueing them.
//   node docs/learn/examples/ch12/drops.js 8081 7000
import dgram from 'node:dgram'
import { once } from 'node:events'
import { WebSocket } from 'ws'

const [relayPort = '8081', udpPort = '7000'] = process.argv.slice(2)
const SENT = 40_000
const SIZE = 1024

// The game server: on "start", SENT datagrams to whoever asked, 16 a
// millisecond (faster, and the kernel drops them before the relay reads).
const server = dgram.createSocket('udp4')
server.bind(Number(udpPort), '127.0.0.1')
await once(server, 'listening')
const burst = new Promise((resolve) => {
  server.once('message', (_start, from) => {
    let sent = 0
    const timer = setInterval(() => {
      for (let i = 0; i < 16 && sent < SENT; i++, sent++)
        server.send(Buffer.alloc(SIZE, 0x61), from.port, from.address)
      if (sent === SENT) resolve(clearInterval(timer))
    }, 1)
  })
})

// The page: wsrelay.v1 over a bare WebSocket, so it can stop reading.
const ws = new WebSocket(`ws://127.0.0.1:${relayPort}/`, 'wsrelay.v1')
let received = 0
let whole = true
let notice
ws.on('message', (data, isBinary) => {
  if (!isBinary) {
    const message = JSON.parse(data)
    if (message.type === 'connected') {
      ws.pause() // from here on the page reads nothing
      ws.send(Buffer.from('start'))
    }
    if (message.type === 'notice') notice = message // the relay's running totals
    return
  }
  received++
  whole &&= data.length === SIZE
})
await once(ws, 'open')
ws.send(JSON.stringify({ type: 'open', route: 'game', transport: 'udp' }))
await burst
ws.resume() // read again: what the relay kept arrives, then its notice
await new Promise((resolve) => setTimeout(resolve, 1500)) // notices come at most once a second

console.log(
  `the server sent ${SENT} datagrams of ${SIZE} bytes while the page read nothing`,
)
console.log(`the page got ${received}, each one whole datagram: ${whole}`)
console.log(
  `the relay dropped ${notice?.datagrams ?? 0} and said so: ${JSON.stringify(notice)}`,
)
console.log(
  `got + dropped <= sent: ${received + (notice?.datagrams ?? 0) <= SENT}`,
)
ws.close(1000)
server.close()
