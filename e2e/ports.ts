/**
 * Fixed ports for the e2e stack (the config is evaluated in every worker, so
 * they cannot be picked at random). Override with E2E_PORT_BASE if they clash.
 */
const base = Number(process.env.E2E_PORT_BASE ?? 47000)

export const PORTS = {
  /** echo server, line mode with " from the server" */
  echo: base + 1,
  /** nothing listens here: the "target is down" case */
  deadTarget: base + 9,
  /** relay serving the built console, relaying to the echo server */
  relay: base + 80,
  /** relay serving the built console, relaying to the dead target */
  relayToDeadTarget: base + 81,
  /** relay with no default target: a route to the echo server and an --allow rule for it */
  routedRelay: base + 82,
  /** Vite dev server proxying /relay to `relay`, as `pnpm dev` does */
  viteDev: base + 173,
} as const
