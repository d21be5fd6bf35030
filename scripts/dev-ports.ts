import { createServer } from 'node:net'

/** The ports of `pnpm dev`, each movable by its environment variable. */
export interface DevPorts {
  readonly echo: number
  readonly relay: number
  readonly console: number
}

/** Variable, default and role of each port, in the order they start. */
export const DEV_PORTS = [
  {
    key: 'echo',
    variable: 'ECHO_PORT',
    fallback: 5000,
    role: 'the echo server',
  },
  { key: 'relay', variable: 'RELAY_PORT', fallback: 8080, role: 'the relay' },
  {
    key: 'console',
    variable: 'CONSOLE_PORT',
    fallback: 5173,
    role: 'the console',
  },
] as const

/** A `pnpm dev` setting that cannot work, in words that name the fix. */
export class DevError extends Error {
  override name = 'DevError'
}

/** Reads ECHO_PORT, RELAY_PORT and CONSOLE_PORT (defaults 5000, 8080, 5173). */
export function devPortsFrom(
  env: Record<string, string | undefined>,
): DevPorts {
  const ports: Record<string, number> = {}
  for (const { key, variable, fallback } of DEV_PORTS) {
    const text = env[variable]?.trim()
    const port = text === undefined || text === '' ? fallback : Number(text)
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      throw new DevError(
        `${variable}=${text} is not a port: use a number from 1 to 65535, e.g. ${variable}=${fallback + 1} pnpm dev`,
      )
    }
    const clash = DEV_PORTS.find((other) => ports[other.key] === port)
    if (clash) {
      throw new DevError(
        `${variable} and ${clash.variable} are both ${port}: give each its own port, e.g. ${variable}=${port + 1} pnpm dev`,
      )
    }
    ports[key] = port
  }
  return ports as unknown as DevPorts
}

/** Whether something already listens on 127.0.0.1:port (binding it fails). */
export function isPortTaken(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer()
    probe.once('error', () => resolve(true))
    probe.listen({ host: '127.0.0.1', port, exclusive: true }, () =>
      probe.close(() => resolve(false)),
    )
  })
}

/** The words for a port some other program holds. */
export function portTakenMessage(
  variable: string,
  role: string,
  port: number,
): string {
  return `Port ${port} (${variable}, ${role}) is taken by another program. Stop it, or move ${role}: ${variable}=${port + 1} pnpm dev`
}
