import net from 'node:net'
import { once } from 'node:events'
import { expect, it } from 'vitest'
import { createHarness } from '@wsrelay/test-kit/harness'
import { stopReadingNow } from './read-stop.js'

const { defer, tcpServer } = createHarness()

it('stops a socket before its next read, and resume() reads on (Node internals the budget relies on)', async () => {
  let serverSide: net.Socket | undefined
  let received = 0
  let atStop = -1
  const server = await tcpServer((socket) => {
    serverSide = socket
    socket.on('data', (chunk: Buffer) => {
      received += chunk.length
      // Stop in the middle of a flood, from inside a 'data' handler as the relay does.
      if (received > 4 * 1024 * 1024 && atStop < 0) {
        stopReadingNow(socket)
        atStop = received
      }
    })
  })
  const client = net.connect({ host: '127.0.0.1', port: server.port })
  defer(() => client.destroy())
  client.on('error', () => undefined)
  await once(client, 'connect')
  const flood = (): void => {
    while (!client.destroyed && client.write(Buffer.alloc(64 * 1024))) {
      // write until the kernel pushes back
    }
  }
  client.on('drain', flood)
  flood()
  await expect.poll(() => atStop, { timeout: 5000 }).toBeGreaterThan(0)
  await new Promise<void>((r) => setTimeout(r, 300))
  expect(received - atStop, 'bytes read after the stop').toBe(0)
  expect(serverSide?.readableLength).toBe(0)
  serverSide?.resume()
  await expect
    .poll(() => received - atStop, { timeout: 5000 })
    .toBeGreaterThan(1024 * 1024)
})
