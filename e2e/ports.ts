/**
 * Fixed ports for the e2e stack (the config is evaluated in every worker, so
 * they cannot be picked at random). They sit below every OS's ephemeral range
 * (Linux 32768-60999, macOS and Windows 49152-65535): a port in that range can
 * be held by any client socket, such as one the unit tests just used.
 * Override with E2E_PORT_BASE if they clash.
 */
const base = Number(process.env.E2E_PORT_BASE ?? 20000)

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
