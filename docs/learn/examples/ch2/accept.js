// Sec-WebSocket-Accept, by hand: base64(SHA-1(key + GUID)), RFC 6455 section 4.2.2.
import { createHash } from 'node:crypto'

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11' // the same for every server
const key = process.argv[2] ?? 'dGhlIHNhbXBsZSBub25jZQ=='
console.log(
  createHash('sha1')
    .update(key + GUID)
    .digest('base64'),
)
