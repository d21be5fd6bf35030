import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const CONSOLE_DIR = fileURLToPath(new URL('../apps/console', import.meta.url))

/** The console's Vite dev server, as `pnpm dev` runs it, on 127.0.0.1:port with its proxy pointed at `relayUrl`. */
export interface ViteDevServer {
  /** Everything it printed so far. */
  output(): string
  /** Stops it and what it started (its process group). */
  stop(): void
}

/** Starts the dev server; it answers once `http://127.0.0.1:port/` does. */
export function startViteDevServer(
  port: number,
  relayUrl: string,
): ViteDevServer {
  const child = spawn(
    'pnpm',
    [
      'exec',
      'vite',
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
      '--strictPort',
    ],
    {
      cwd: CONSOLE_DIR,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, WSRELAY_DEV_RELAY: relayUrl },
    },
  )
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
  return {
    output: () => output,
    stop() {
      if (child.pid === undefined || child.exitCode !== null) return
      try {
        process.kill(-child.pid, 'SIGTERM')
      } catch {
        // Already gone.
      }
    },
  }
}
