// One line to whatever TCP server the relay fronts, through @wsrelay/client.
//   node docs/learn/examples/ch6/send-line.js 8080 hello
import { connectRelay } from '@wsrelay/client'
import { WebSocket } from 'ws' // Node 20 has no global WebSocket; browsers do

const [port = '8080', line = 'hello'] = process.argv.slice(2)
const client = connectRelay(`ws://127.0.0.1:${port}/`, { WebSocket })
client.on('open', () => client.send(`${line}\n`))
client.on('message', ({ text }) => {
  process.stdout.write(text)
  if (text.endsWith('\n')) client.close()
})
client.on('close', ({ code, message }) => {
  if (code !== 1000) console.error(message)
})
