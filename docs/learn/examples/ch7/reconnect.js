// Reconnect with @wsrelay/client: which closes it retries, and how long it waits.
//   node docs/learn/examples/ch5/reconnect.js ws://127.0.0.1:8080/
import { connectRelay } from '@wsrelay/client'
import { WebSocket } from 'ws'

const client = connectRelay(process.argv[2] ?? 'ws://127.0.0.1:8080/', {
  WebSocket,
  reconnect: { initialDelayMs: 200, maxDelayMs: 2_000, maxAttempts: 3 },
})
client.on('open', ({ session, isReconnect }) =>
  console.log(
    `open: session ${session}${isReconnect ? ' (a new session: start over)' : ''}`,
  ),
)
client.on('close', ({ code, name, willReconnect }) =>
  console.log(`close ${code} ${name}, will reconnect: ${willReconnect}`),
)
client.on('state', ({ to, attempt, retryInMs }) => {
  if (to === 'waiting-to-reconnect')
    console.log(`attempt ${attempt}: waiting ${retryInMs} ms`)
  if (to === 'closed') console.log('gave up')
})
