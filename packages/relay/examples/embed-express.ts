// An Express app with the relay beside its routes: Express handles requests,
// the relay handles WebSocket upgrades on /relay of the same server.
import express from 'express'
import { attachRelay } from '@wsrelay/relay'

/** Starts the Express app on `port` (0: any free port) and relays /relay to `target`. */
export async function startExpressApp(port: number, target: string) {
  const app = express()
  app.get('/api/status', (_req, res) => {
    res.json({ ready: relay.isReady(), ...relay.stats() })
  })
  const server = app.listen(port, '127.0.0.1')
  const relay = attachRelay(server, { path: '/relay', target })
  await new Promise<void>((resolve) => server.once('listening', resolve))
  return { server, relay }
}
