// A binary greeting with @wsrelay/client's BinaryReader: each read waits for
// its bytes, however the network split them.
//   node docs/learn/examples/ch6/read-server-init.js 8081
import { BinaryReader, connectRelay } from '@wsrelay/client'
import { WebSocket } from 'ws'

const client = connectRelay(`ws://127.0.0.1:${process.argv[2] ?? 8081}/`, {
  WebSocket,
})
const reader = new BinaryReader() // VNC is big-endian
client.on('message', ({ bytes }) => {
  console.log(`message: ${bytes.length} bytes`)
  reader.push(bytes)
})
client.on('close', ({ message }) => reader.close(message))

const width = await reader.readU16()
const height = await reader.readU16()
const format = await reader.readBytes(16)
const name = await reader.readString(await reader.readU32())
console.log(
  `${width}x${height}, ${format[0]} bits per pixel, depth ${format[1]}`,
)
console.log(
  `true colour: ${format[3] === 1}, red shift ${format[10]}, name ${JSON.stringify(name)}`,
)
client.close()
