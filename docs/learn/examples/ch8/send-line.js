// One line to whatever TCP server the relay fronts, through @wsrelay/client.
//   node docs/learn/examples/ch8/send-line.js 8081 hello
// Set WSRELAY_TOKEN when the relay wants a token (chapter 9).
import { connectRelay } from '@wsrelay/client'
import { WebSocket } from 'ws' // Node 20 has no global WebSocket; browsers do

const [port = '8081', line = 'hello'] = process.argv.slice(2)
const client = connectRelay(`ws://127.0.0.1:${port}/`, {
  WebSocket,
  token: process.env.WSRELAY_TOKEN,
})
client.on('open', () => client.send(`${line}\n`))
client.on('message', ({ text }) => {
  process.stdout.write(text)
  if (text.endsWith('\n')) client.close()
})
client.on('close', ({ code, message }) => {
  if (code === 1000) return
  console.log(message) // e.g. Closed 4000 TARGET_REFUSED: Cannot reach TCP target …
  process.exitCode = 1
})
