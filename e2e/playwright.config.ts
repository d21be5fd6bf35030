import { existsSync } from 'node:fs'
import { defineConfig } from '@playwright/test'
import { chromium } from './chromium.js'
import { PORTS } from './ports.js'

const isCi = process.env.CI === 'true'

const relay = '../packages/relay/dist/cli.js'
const consoleDist = '../apps/console/dist'
const echoServer = '../apps/echo-server/dist/cli.js'

const unbuilt = [relay, echoServer, `${consoleDist}/index.html`].filter(
  (file) => !existsSync(new URL(file, import.meta.url)),
)
if (unbuilt.length > 0) {
  throw new Error(
    `Not built: ${unbuilt.join(', ')}. Run "pnpm build" first (or "pnpm test", which builds).`,
  )
}

export default defineConfig({
  testDir: './tests',
  fullyParallel: true,
  // Specs mostly wait on sockets: two workers halve the run even on two cores.
  workers: 2,
  forbidOnly: isCi,
  retries: 0,
  timeout: 30_000,
  expect: { timeout: 10_000 },
  reporter: isCi
    ? [['list'], ['json', { outputFile: '../test-results/e2e.json' }]]
    : [['list']],
  use: {
    baseURL: `http://127.0.0.1:${PORTS.relay}`,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
  },
  projects: [chromium],
  // The exact commands the containers and `pnpm dev` run, on loopback ports.
  webServer: [
    {
      command: `node ${echoServer} --host 127.0.0.1 --port ${PORTS.echo} --udp ${PORTS.udpEcho} --suffix " from the server"`,
      port: PORTS.echo,
      reuseExistingServer: false,
    },
    {
      command: `node ${relay} --web ${consoleDist} 127.0.0.1:${PORTS.relay} 127.0.0.1:${PORTS.echo}`,
      url: `http://127.0.0.1:${PORTS.relay}/healthz`,
      reuseExistingServer: false,
    },
    {
      command: `node ${echoServer} --host 127.0.0.1 --port ${PORTS.rawEcho}`,
      port: PORTS.rawEcho,
      reuseExistingServer: false,
    },
    {
      command: `node ${relay} --web ${consoleDist} 127.0.0.1:${PORTS.rawRelay} 127.0.0.1:${PORTS.rawEcho}`,
      url: `http://127.0.0.1:${PORTS.rawRelay}/healthz`,
      reuseExistingServer: false,
    },
    {
      command: `node ${relay} --web ${consoleDist} 127.0.0.1:${PORTS.relayToDeadTarget} 127.0.0.1:${PORTS.deadTarget}`,
      url: `http://127.0.0.1:${PORTS.relayToDeadTarget}/healthz`,
      reuseExistingServer: false,
    },
    {
      command:
        `node ${relay} --web ${consoleDist} --route echo=127.0.0.1:${PORTS.echo} ` +
        `--allow 127.0.0.1/32:${PORTS.echo} --allow-origin http://127.0.0.1:${PORTS.relay} ` +
        `127.0.0.1:${PORTS.routedRelay}`,
      url: `http://127.0.0.1:${PORTS.routedRelay}/healthz`,
      reuseExistingServer: false,
    },
    {
      command:
        `node ${relay} --web ${consoleDist} --route game=udp:127.0.0.1:${PORTS.udpEcho} ` +
        `--route dead=udp:127.0.0.1:${PORTS.deadUdp} --route echo=127.0.0.1:${PORTS.echo} ` +
        `127.0.0.1:${PORTS.udpRelay}`,
      url: `http://127.0.0.1:${PORTS.udpRelay}/healthz`,
      reuseExistingServer: false,
    },
    {
      command: `pnpm --dir ../apps/console exec vite --host 127.0.0.1 --port ${PORTS.viteDev} --strictPort`,
      url: `http://127.0.0.1:${PORTS.viteDev}/`,
      env: { WSRELAY_DEV_RELAY: `ws://127.0.0.1:${PORTS.relay}` },
      reuseExistingServer: false,
    },
  ],
})
