// What the relay answers at the HTTP level, before any WebSocket exists: a
// status and a sentence. Node can read them; a page only gets close 1006.
//   node docs/learn/examples/ch4/http-refusal.js ws://127.0.0.1:8081/ chat
//   node docs/learn/examples/ch4/http-refusal.js ws://127.0.0.1:8081/ binary evil.example:8081
import { WebSocket } from 'ws'

const [url = 'ws://127.0.0.1:8081/', protocol = 'binary', host] =
  process.argv.slice(2)
const ws = new WebSocket(url, protocol, host ? { headers: { Host: host } } : {})
ws.on('unexpected-response', (_request, response) => {
  let body = ''
  response.setEncoding('utf8')
  response.on('data', (chunk) => (body += chunk))
  response.on('end', () =>
    console.log(`HTTP ${response.statusCode}: ${body.trim()}`),
  )
})
ws.on('open', () => {
  console.log(`open, subprotocol ${ws.protocol}`)
  ws.close(1000)
})
ws.on('error', (err) => console.log(`error: ${err.message}`))
