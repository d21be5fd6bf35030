// A game client that says one thing and then nothing: UDP has no close, so
// the relay ends a session that stays silent for --udp-idle-timeout.
//   node docs/learn/examples/ch12/quiet.js 8081
import { connectRelay } from '@wsrelay/client'
import { WebSocket } from 'ws'

const [port = '8081'] = process.argv.slice(2)
const client = connectRelay(`ws://127.0.0.1:${port}/`, {
  WebSocket,
  protocol: 'v1',
})
client.on('message', ({ text }) => console.log(`<<< ${JSON.stringify(text)}`))
client.on('close', ({ message }) => console.log(message))

await client.open({ route: 'game', transport: 'udp' })
client.send('hello\n')
