// Reconnect with @wsrelay/client: which closes it retries, and how long it
// waits. Once a session is open it sends one line, prints the answer and
// closes.
//   node docs/learn/examples/ch7/reconnect.js ws://127.0.0.1:8081/
import { connectRelay } from '@wsrelay/client'
import { WebSocket } from 'ws'

const client = connectRelay(process.argv[2] ?? 'ws://127.0.0.1:8081/', {
  WebSocket,
  reconnect: { initialDelayMs: 500, maxDelayMs: 4_000, maxAttempts: 5 },
})
let done = false
client.on('open', ({ session, isReconnect }) => {
  console.log(
    `open: session ${session}${isReconnect ? ' (a new session: start over)' : ''}`,
  )
  client.send('hello\n')
})
client.on('message', ({ text }) => {
  process.stdout.write(text)
  done = true
  client.close()
})
client.on('close', ({ code, name, willReconnect }) =>
  console.log(`close ${code} ${name}, will reconnect: ${willReconnect}`),
)
client.on('state', ({ to, attempt, retryInMs }) => {
  if (to === 'waiting-to-reconnect')
    console.log(`attempt ${attempt}: waiting ${retryInMs} ms`)
  if (to === 'closed' && !done) console.log('gave up')
})
