import react from '@vitejs/plugin-react'
import {
  createLogger,
  defaultClientConditions,
  defaultServerConditions,
  defineConfig,
  type ProxyOptions,
} from 'vite'

/** Where the dev server listens: CONSOLE_PORT (default 5173), as `pnpm dev` sets it. */
const CONSOLE_PORT = Number(process.env.CONSOLE_PORT ?? 5173)
/** The relay the dev server proxies /relay and /routes to: WSRELAY_DEV_RELAY, or 127.0.0.1:RELAY_PORT (default 8080). */
const RELAY_URL = (
  process.env.WSRELAY_DEV_RELAY ??
  `ws://127.0.0.1:${process.env.RELAY_PORT ?? 8080}`
).replace(/^ws/, 'http')

/**
 * While the relay is not listening (it starts after Vite, or restarts after
 * an edit), every proxied request fails with ECONNREFUSED. Vite would print
 * each as a stack trace; the console already says it is waiting and retries.
 * One line says so here, once per outage.
 */
const logger = createLogger()
/** Under `pnpm dev` the dev script says when to open the console (once the relay is up), not Vite's banner. */
const isBannerOff = process.env.WSRELAY_DEV_BANNER === 'off'
const logInfo = logger.info.bind(logger)
logger.info = (message, options) => {
  if (isBannerOff && /ready in|➜/.test(message)) return
  logInfo(message, options)
}
let isRelayDown = false
const logError = logger.error.bind(logger)
logger.error = (message, options) => {
  const code = (options?.error as NodeJS.ErrnoException | undefined)?.code
  if (code !== 'ECONNREFUSED') {
    logError(message, options)
    return
  }
  if (isRelayDown) return
  isRelayDown = true
  logger.warn(
    `The relay at ${RELAY_URL} is not answering yet; the console waits and retries.`,
    { timestamp: true },
  )
}
const relayProxy: ProxyOptions = {
  target: RELAY_URL,
  configure: (proxy) => {
    const relayAnswered = () => void (isRelayDown = false)
    proxy.on('proxyRes', relayAnswered)
    proxy.on('open', relayAnswered)
  },
}

export default defineConfig({
  plugins: [react()],
  customLogger: logger,
  resolve: { conditions: ['@wsrelay/source', ...defaultClientConditions] },
  ssr: {
    resolve: { conditions: ['@wsrelay/source', ...defaultServerConditions] },
  },
  server: {
    port: CONSOLE_PORT,
    strictPort: true,
    proxy: {
      // The console connects to its own origin at /relay, so the same build
      // works behind `pnpm dev` (this proxy) and behind `wsrelay --web`.
      '/relay': { ...relayProxy, ws: true },
      '/routes': relayProxy,
    },
  },
})
