// The HTTP side of the comparison: POST /echo answers with the body plus
// " from the server", like the TCP echo server behind the relay.
import http from 'node:http'

const SUFFIX = ' from the server'
const MAX_BODY_BYTES = 1024 * 1024

const server = http.createServer((req, res) => {
  const chunks = []
  let size = 0
  req.on('data', (chunk) => {
    size += chunk.length
    if (size > MAX_BODY_BYTES) {
      res.writeHead(413).end('body too large\n')
      req.destroy()
      return
    }
    chunks.push(chunk)
  })
  req.on('end', () => {
    const body = Buffer.concat(chunks).toString('utf8')
    res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' })
    res.end(body + SUFFIX)
  })
  req.on('error', () => res.destroy())
})
server.on('clientError', (_err, socket) => socket.destroy())
server.listen(Number(process.argv[2] ?? 0), '127.0.0.1', () => {
  const { port } = server.address()
  console.log(`http echo server listening on 127.0.0.1:${port}`)
})
const stop = () => server.close(() => process.exit(0))
process.once('SIGINT', stop)
process.once('SIGTERM', stop)
