// Datagrams to a UDP server through the relay's route "game": each argument
// goes out as one datagram, and each datagram that comes back is one message.
// A "\n" in an argument is a newline.
//   node docs/learn/examples/ch12/datagrams.js 8081 'hello' 'two\nlines'
import { connectRelay } from '@wsrelay/client'
import { WebSocket } from 'ws' // Node 20 has no global WebSocket; browsers do

const [port = '8081', ...lines] = process.argv.slice(2)
const client = connectRelay(`ws://127.0.0.1:${port}/`, {
  WebSocket,
  protocol: 'v1',
})
const answers = []
client.on('message', ({ bytes }) => {
  // One message, one datagram: no splitter, the bytes are the whole answer.
  answers.push(new TextDecoder().decode(bytes))
  console.log(`<<< ${JSON.stringify(answers.at(-1))} (${bytes.length} bytes)`)
  if (answers.length === lines.length) client.close()
})
client.on('close', ({ code, message }) => {
  if (code !== 1000) console.log(message) // how the session ended, in words
})

const { description } = await client.open({ route: 'game', transport: 'udp' })
console.log(`connected to ${description}`)
for (const line of lines) client.send(line.replaceAll('\\n', '\n'))
