// The wsrelay.v1 subprotocol with a bare WebSocket: ask for a target, wait
// for "connected", then send bytes. Replaces the old "open host port" text.
//   node docs/learn/examples/ch8/open-v1.js 8081 127.0.0.1 7000
import { WebSocket } from 'ws'

const [relayPort = '8081', host = '127.0.0.1', port = '7000'] =
  process.argv.slice(2)
const ws = new WebSocket(`ws://127.0.0.1:${relayPort}/`, 'wsrelay.v1')
ws.on('open', () =>
  ws.send(JSON.stringify({ type: 'open', host, port: Number(port) })),
)
ws.on('message', (data, isBinary) => {
  if (!isBinary) {
    // Text frames are control messages: connected, pong, end.
    console.log(`control: ${data}`)
    if (JSON.parse(data).type === 'connected') ws.send(Buffer.from('hello\n'))
    return
  }
  console.log(`data: ${JSON.stringify(data.toString())}`)
  ws.close(1000)
})
ws.on('close', (code, reason) => console.log(`close ${code} ${reason}`.trim()))
ws.on('error', (err) => console.error(err.message))
