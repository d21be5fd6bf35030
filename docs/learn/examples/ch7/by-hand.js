// Reconnecting by hand: retry only what can succeed, back off with jitter,
// wait for the network. The rules @wsrelay/client follows for you.
//   node docs/learn/examples/ch7/by-hand.js ws://127.0.0.1:8081/
import { closeCodeInfo } from '@wsrelay/protocol'
import { WebSocket } from 'ws'

const url = process.argv[2] ?? 'ws://127.0.0.1:8081/'
const INITIAL_DELAY_MS = 200
const MAX_DELAY_MS = 2_000
const MAX_ATTEMPTS = 3

/** Doubling delays, minus up to half at random, so a thousand pages do not come back in step. */
function delayFor(attempt) {
  const ceiling = Math.min(MAX_DELAY_MS, INITIAL_DELAY_MS * 2 ** (attempt - 1))
  return Math.round(ceiling * (1 - Math.random() * 0.5))
}

/** In a browser, wait until the network is back: attempts while offline can only fail. */
function online() {
  if (globalThis.navigator?.onLine !== false) return Promise.resolve()
  return new Promise((resolve) =>
    globalThis.addEventListener('online', resolve, { once: true }),
  )
}

function connect(attempt) {
  const ws = new WebSocket(url, 'binary')
  ws.on('error', () => undefined) // the close event that follows says why
  ws.on('open', () => console.log('open'))
  ws.on('close', async (code) => {
    const { name, retry } = closeCodeInfo(code)
    console.log(`close ${code} ${name}, retry: ${retry}`)
    if (!retry || attempt > MAX_ATTEMPTS) return console.log('gave up')
    const ms = delayFor(attempt)
    console.log(`attempt ${attempt}: waiting ${ms} ms`)
    await new Promise((resolve) => setTimeout(resolve, ms))
    await online()
    connect(attempt + 1)
  })
}
connect(1)
