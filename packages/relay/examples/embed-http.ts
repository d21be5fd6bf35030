// A Node app that serves its own pages and API, with the relay on /relay.
import http from 'node:http'
import { attachRelay } from '@wsrelay/relay'

/** Starts the app on `port` (0: any free port) and relays /relay to `target`. */
export async function startApp(port: number, target: string) {
  const server = http.createServer((req, res) => {
    if (req.url === '/hello') {
      res.end('hello from the app\n')
      return
    }
    res.writeHead(404).end()
  })
  const relay = attachRelay(server, { path: '/relay', target })
  relay.on('connection-close', (c) =>
    console.log(
      `session ${c.id}: ${c.bytesToTarget} B up, ${c.bytesToClient} B down, closed ${c.closeCode}`,
    ),
  )
  await new Promise<void>((resolve) =>
    server.listen(port, '127.0.0.1', resolve),
  )
  return { server, relay }
}
