// VNC's ServerInit read by hand with a DataView, the way a page does it:
// take the first message, read each field at its offset. Right only while
// the whole greeting arrives in one message.
//   node docs/learn/examples/ch6/server-init-by-hand.js 8081
import { WebSocket } from 'ws' // a page uses its global WebSocket the same way

const ws = new WebSocket(`ws://127.0.0.1:${process.argv[2] ?? 8081}/`, 'binary')
ws.binaryType = 'arraybuffer'
ws.addEventListener('message', ({ data }) => {
  console.log(`message: ${data.byteLength} bytes`)
  ws.close()
  const view = new DataView(data)
  try {
    const width = view.getUint16(0) // big-endian unless told otherwise, as VNC wants
    const height = view.getUint16(2)
    const bitsPerPixel = view.getUint8(4)
    const depth = view.getUint8(5)
    const trueColour = view.getUint8(7) === 1
    const redShift = view.getUint8(14)
    const nameLength = view.getUint32(20)
    const name = new TextDecoder().decode(new Uint8Array(data, 24, nameLength))
    console.log(
      `${width}x${height}, ${bitsPerPixel} bits per pixel, depth ${depth}`,
    )
    console.log(
      `true colour: ${trueColour}, red shift ${redShift}, name ${JSON.stringify(name)}`,
    )
  } catch (err) {
    // The fields past the end of this message are in the next one.
    console.log(`${err.name}: ${err.message}`)
    process.exitCode = 1
  }
})
