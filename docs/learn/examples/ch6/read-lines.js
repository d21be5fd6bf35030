// Lines out of a byte stream with @wsrelay/client's LineSplitter.
//   node docs/learn/examples/ch6/read-lines.js 8081
import { LineSplitter, connectRelay } from '@wsrelay/client'
import { WebSocket } from 'ws'

const client = connectRelay(`ws://127.0.0.1:${process.argv[2] ?? 8081}/`, {
  WebSocket,
})
const lines = new LineSplitter({ maxLineLength: 4096 })
client.on('message', ({ bytes }) => {
  console.log(`message: ${bytes.length} bytes`)
  for (const line of lines.push(bytes))
    console.log(`line: ${JSON.stringify(line)}`)
})
client.on('close', () => {
  for (const last of lines.flush())
    console.log(`last line, no newline: ${JSON.stringify(last)}`)
})
