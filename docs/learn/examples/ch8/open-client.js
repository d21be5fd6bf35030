// The same with @wsrelay/client: once the WebSocket is open, open() asks for
// the target and resolves when the relay says "connected".
//   node docs/learn/examples/ch8/open-client.js 8081 127.0.0.1 7000
import { connectRelay } from '@wsrelay/client'
import { WebSocket } from 'ws'

const [relayPort = '8081', host = '127.0.0.1', port = '7000'] =
  process.argv.slice(2)
const client = connectRelay(`ws://127.0.0.1:${relayPort}/`, {
  WebSocket,
  protocol: 'v1',
})
client.on('open', async () => {
  try {
    const { address } = await client.open({ host, port: Number(port) })
    console.log(`connected to ${host}:${port} (address ${address})`)
    client.send('hello\n')
  } catch (err) {
    console.log(err.message) // refused: the close code, the reason, what to do
    process.exitCode = 1
  }
})
client.on('message', ({ text }) => {
  process.stdout.write(text)
  client.close()
})
