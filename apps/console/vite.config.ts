import react from '@vitejs/plugin-react'
import {
  defaultClientConditions,
  defaultServerConditions,
  defineConfig,
} from 'vite'

/** Where `pnpm dev` runs the relay; the dev server proxies /relay and /routes to it. */
const RELAY_URL = (
  process.env.WSRELAY_DEV_RELAY ?? 'ws://127.0.0.1:8080'
).replace(/^ws/, 'http')

export default defineConfig({
  plugins: [react()],
  resolve: { conditions: ['@wsrelay/source', ...defaultClientConditions] },
  ssr: {
    resolve: { conditions: ['@wsrelay/source', ...defaultServerConditions] },
  },
  server: {
    port: Number(process.env.PORT ?? 5173),
    strictPort: true,
    proxy: {
      // The console connects to its own origin at /relay, so the same build
      // works behind `pnpm dev` (this proxy) and behind `wsrelay --web`.
      '/relay': { target: RELAY_URL, ws: true },
      '/routes': { target: RELAY_URL },
    },
  },
})
