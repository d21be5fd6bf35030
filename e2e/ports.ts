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
  /** echo server, byte-exact (no line mode): the hex spec's 0x00-0xFF */
  rawEcho: base + 2,
  /** dedicated echo server the target-ended spec starts and stops itself */
  stoppableEcho: base + 3,
  /** UDP: the line-mode echo server answers datagrams here too (`--udp`) */
  udpEcho: base + 4,
  /** nothing listens here: the "target is down" case (TCP) */
  deadTarget: base + 9,
  /** UDP: nothing is bound here, so a datagram gets ICMP port unreachable */
  deadUdp: base + 10,
  /** relay serving the built console, relaying to the echo server */
  relay: base + 80,
  /** relay serving the built console, relaying to the dead target */
  relayToDeadTarget: base + 81,
  /** relay with no default target: a route to the echo server and an --allow rule for it */
  routedRelay: base + 82,
  /** relay serving the built console, relaying to the byte-exact echo server */
  rawRelay: base + 83,
  /** relay the target-ended spec starts, relaying to `stoppableEcho` */
  stoppableEchoRelay: base + 84,
  /** relay the reconnect spec starts, kills and starts again */
  restartedRelay: base + 85,
  /** relay with UDP routes: `game` to `udpEcho`, `dead` to `deadUdp`; and a TCP route `echo` */
  udpRelay: base + 87,
  /** relay the datagram spec starts with a short --udp-idle-timeout */
  udpIdleRelay: base + 88,
  /** relay the datagram spec starts in front of its flooding UDP server */
  udpFloodRelay: base + 89,
  /** Vite dev server proxying /relay to `relay`, as `pnpm dev` does */
  viteDev: base + 173,
  /** relay the first-minute spec starts after the page is open */
  lateRelay: base + 86,
  /** Vite dev server of the first-minute spec, proxying to `lateRelay` */
  lateVite: base + 174,
  /** `pnpm dev` itself, run by the dev spec: ECHO_PORT, RELAY_PORT, CONSOLE_PORT */
  devEcho: base + 300,
  devRelay: base + 301,
  devConsole: base + 302,
} as const
