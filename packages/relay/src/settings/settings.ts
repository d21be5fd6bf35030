import { parseAllowRule } from '../targets/allow-rules.js'
import {
  MAX_UDP_PAYLOAD_IPV4,
  MAX_UDP_PAYLOAD_IPV6,
} from '../targets/datagram-link.js'
import { parseDnsServers } from '../targets/target-address.js'
import { parseTrustedProxies } from '../upgrade/client-address.js'
import { parseAllowedOrigins } from '../upgrade/origin-policy.js'
import {
  address,
  bool,
  choice,
  endpointPath,
  integer,
  list,
  MAX_TIMER_MS,
  parsedList,
  processCount,
  routes,
  text,
  tokenText,
  type Setting,
} from './setting-kinds.js'

/** Log levels pino knows, quietest last. */
export const LOG_LEVELS = [
  'fatal',
  'error',
  'warn',
  'info',
  'debug',
  'trace',
  'silent',
] as const

/**
 * Every setting of the relay, once. A row's name is the library option and
 * the `--config` file key; its flag is the name in kebab-case
 * (`--max-connections`) and its variable `WSRELAY_` and the name in upper
 * snake case (`WSRELAY_MAX_CONNECTIONS`). The options types, the one check
 * every value passes, `--help`, `--print-config` and the settings tables of
 * the README and docs/operations.md all come from here.
 */
export const SETTINGS = {
  listen: address({
    group: 'arguments',
    role: 'listen',
    cli: { position: 1, shape: '[listen_host:]listen_port' },
    ownServer: true,
    default: { host: '127.0.0.1', port: 0 },
    defaultText: '127.0.0.1:0 (library; the CLI needs it)',
    help: 'Where to accept WebSockets. A bare port listens on 127.0.0.1 only (0.0.0.0:PORT accepts from the network); port 0 picks a free port.',
  }),
  target: address({
    group: 'arguments',
    role: 'target',
    cli: { position: 2, shape: '[udp:]target_host:target_port' },
    default: undefined,
    help: 'The server for every path no route names: host:port for TCP, udp:host:port for UDP ([v6addr]:port for IPv6); optional with --route or --allow.',
  }),
  route: routes({
    group: 'targets',
    arg: 'NAME=[udp:]HOST:PORT',
    help: 'A named target, chosen by the URL path (ws://relay/NAME) or a wsrelay.v1 open; udp: makes it a UDP target; repeatable.',
  }),
  allow: parsedList(
    {
      group: 'targets',
      arg: 'RULE',
      expected: '[udp:]HOST:PORT rules',
      help: 'Let wsrelay.v1 clients choose a target matching RULE: HOST:PORT, HOST:FROM-TO or HOST:*, HOST a name, * or a CIDR; TCP unless RULE starts with udp: (then UDP only); repeatable. Special addresses (loopback, private, metadata, this host) need a CIDR rule inside their range.',
    },
    (items) => items.map(parseAllowRule),
  ),
  noClientNames: bool({
    group: 'targets',
    default: false,
    help: 'wsrelay.v1 clients may name IP addresses only: an open naming a host is refused (4102) with no DNS lookup.',
  }),
  dnsServer: parsedList(
    {
      group: 'targets',
      arg: 'ADDR',
      expected: 'DNS servers such as 10.0.0.2 or 127.0.0.1:5353',
      defaultText: "the system's (/etc/resolv.conf)",
      help: 'DNS server for client-chosen names (IP or IP:PORT, [v6]:PORT); repeatable. The fixed target and routes use the system resolver.',
    },
    parseDnsServers,
  ),
  noRouteList: bool({
    group: 'targets',
    default: false,
    help: 'Do not list route names at GET /routes.',
  }),
  allowOrigin: parsedList(
    {
      group: 'security',
      arg: 'ORIGIN',
      expected: 'origins such as https://app.example',
      defaultText: 'own origin, and no Origin',
      help: 'Also accept pages from ORIGIN (* for all); repeatable. Others are closed with 4103. Pages from accepted origins may also read GET /routes.',
    },
    parseAllowedOrigins,
  ),
  allowHost: list({
    group: 'security',
    arg: 'NAME',
    expected: 'host names',
    defaultText: 'own names on loopback, else any',
    help: 'Also answer requests whose Host is NAME (* for any); repeatable. A loopback listener answers only its own names (DNS rebinding guard).',
  }),
  tokenFile: text({
    group: 'security',
    arg: 'PATH',
    library: false,
    expected: 'a file path',
    help: 'Require the token in PATH (or set WSRELAY_TOKEN): clients offer the subprotocol wsrelay.token.<token>.',
  }),
  token: tokenText({
    group: 'security',
    cli: 'none',
    help: 'The token clients must offer as the subprotocol wsrelay.token.<token>; never a flag, redacted by --print-config.',
  }),
  cert: text({
    group: 'security',
    arg: 'PATH',
    library: false,
    ownServer: true,
    expected: 'a PEM file path',
    help: 'PEM certificate, with --key: serve wss:// and https:// on the same port.',
  }),
  key: text({
    group: 'security',
    arg: 'PATH',
    library: false,
    ownServer: true,
    expected: 'a PEM file path',
    help: 'PEM private key of --cert.',
  }),
  trustProxy: parsedList(
    {
      group: 'security',
      arg: 'CIDR',
      expected: 'IP addresses or CIDRs',
      help: 'Take the client IP from X-Forwarded-For when the peer is in CIDR (e.g. 127.0.0.1/32); repeatable.',
    },
    parseTrustedProxies,
  ),
  connectTimeout: integer({
    group: 'limits',
    arg: 'MS',
    default: 10_000,
    max: MAX_TIMER_MS,
    help: 'TCP connect timeout; then close 4003.',
  }),
  dnsTimeout: integer({
    group: 'limits',
    arg: 'MS',
    default: 5_000,
    max: MAX_TIMER_MS,
    help: 'Time a client-chosen name may take to resolve, waiting included; then close 4001.',
  }),
  maxLookups: integer({
    group: 'limits',
    arg: 'N',
    default: 64,
    help: 'Client-chosen names resolved at once; four times as many may wait, more are closed with 1013.',
  }),
  maxLookupsPerIp: integer({
    group: 'limits',
    arg: 'N',
    default: 8,
    help: 'Client-chosen names one client IP may have resolving or waiting at once; more are closed with 1013.',
  }),
  maxMessageSize: integer({
    group: 'limits',
    arg: 'BYTES',
    default: 1024 * 1024,
    help: 'Largest WebSocket message accepted; larger ones close with 1009 and a reason naming this flag.',
  }),
  highWaterMark: integer({
    group: 'limits',
    arg: 'BYTES',
    default: 512 * 1024,
    help: 'Bytes held per direction before the relay stops reading the faster side.',
  }),
  memoryBudget: integer({
    group: 'limits',
    arg: 'BYTES',
    default: 128 * 1024 * 1024,
    help: 'Bytes the relay may hold across all connections: a connection that holds bytes reads on only with a grant from it.',
  }),
  drainTimeout: integer({
    group: 'limits',
    arg: 'MS',
    default: 5_000,
    max: MAX_TIMER_MS,
    help: 'Time a closing connection, or a shutdown, may take to flush before it is cut.',
  }),
  handshakeTimeout: integer({
    group: 'limits',
    arg: 'MS',
    default: 10_000,
    max: MAX_TIMER_MS,
    help: 'Time the HTTP upgrade (and TLS handshake) may take; slower ones get 408 or are cut. Also how long a wsrelay.v1 client may take to send open.',
  }),
  idleTimeout: integer({
    group: 'limits',
    arg: 'MS',
    default: 0,
    zero: 'off',
    max: MAX_TIMER_MS,
    help: 'Close a connection with no bytes either way for this long (4100).',
  }),
  stallTimeout: integer({
    group: 'limits',
    arg: 'MS',
    default: 60_000,
    zero: 'off',
    max: MAX_TIMER_MS,
    help: 'Close a session that cannot move (the relay waits for a side to read and no byte moved either way) for this long (4105).',
  }),
  pingInterval: integer({
    group: 'limits',
    arg: 'MS',
    default: 30_000,
    zero: 'off',
    max: MAX_TIMER_MS,
    help: 'Ping every browser this often, to find ones that vanished; 0 turns pings off.',
  }),
  pongTimeout: integer({
    group: 'limits',
    arg: 'MS',
    default: 10_000,
    max: MAX_TIMER_MS,
    help: 'Cut a browser that misses a pong for this long, and free its TCP connection.',
  }),
  maxConnections: integer({
    group: 'limits',
    arg: 'N',
    default: 10_000,
    defaultText: '10000 (lowered to what ulimit -n holds)',
    help: 'Most live connections; more are closed with 1013.',
  }),
  maxConnectionsPerIp: integer({
    group: 'limits',
    arg: 'N',
    default: 0,
    zero: 'no limit',
    help: 'Most live connections from one client IP; more are closed with 1013.',
  }),
  workers: processCount({
    group: 'limits',
    arg: 'N',
    library: false,
    ownServer: true,
    default: 1,
    max: 64,
    help: 'Processes serving the port (auto: one per CPU), with node:cluster. The connection limits count across all of them; the memory budget is divided among them.',
  }),
  listenBacklog: integer({
    group: 'limits',
    arg: 'N',
    ownServer: true,
    default: 2048,
    help: 'Connections the kernel queues before the relay accepts them; a burst larger than this is refused or retried by the kernel (capped by net.core.somaxconn).',
  }),
  udpIdleTimeout: integer({
    group: 'udp',
    arg: 'MS',
    default: 30_000,
    zero: 'off',
    max: MAX_TIMER_MS,
    help: 'End a UDP session with no datagram either way for this long (4100). UDP has no close: this is how a session to a server that went away ends. Used instead of --idle-timeout.',
  }),
  maxDatagramSize: integer({
    group: 'udp',
    arg: 'BYTES',
    default: MAX_UDP_PAYLOAD_IPV6,
    max: MAX_UDP_PAYLOAD_IPV6,
    defaultText: `what one datagram carries: ${MAX_UDP_PAYLOAD_IPV4} over IPv4, ${MAX_UDP_PAYLOAD_IPV6} over IPv6`,
    help: 'Largest message a UDP session sends as one datagram; a larger one closes with 1009 and a reason naming this flag.',
  }),
  web: text({
    group: 'http',
    arg: 'DIR',
    ownServer: true,
    expected: 'a directory',
    help: 'Serve the files in DIR (GET and HEAD only) on the same port.',
  }),
  healthPath: endpointPath({
    group: 'http',
    arg: 'PATH',
    ownServer: true,
    default: '/healthz',
    help: 'Liveness: 200 while the process runs; off turns it off.',
  }),
  readyPath: endpointPath({
    group: 'http',
    arg: 'PATH',
    ownServer: true,
    default: '/readyz',
    help: 'Readiness: 200 while accepting, 503 from the moment a drain starts; off turns it off.',
  }),
  metrics: bool({
    group: 'http',
    default: false,
    help: 'Serve Prometheus metrics at GET /metrics.',
  }),
  logLevel: choice({
    group: 'logs',
    arg: 'LEVEL',
    library: false,
    values: LOG_LEVELS,
    default: 'info',
    expected: `one of ${LOG_LEVELS.join(', ')}`,
    help: `${LOG_LEVELS.join(', ')}.`,
  }),
  logFormat: choice({
    group: 'logs',
    arg: 'FORMAT',
    library: false,
    values: ['json', 'pretty', 'auto'],
    default: 'auto',
    expected: 'json, pretty or auto (pretty on a terminal)',
    help: 'json, pretty, or auto: readable lines on a terminal, JSON lines otherwise.',
  }),
} as const satisfies Record<string, Setting>

/** The name of a setting: its library option and config-file key. */
export type SettingName = keyof typeof SETTINGS

/** Every setting's name, in table order. */
export const SETTING_NAMES = Object.keys(SETTINGS) as SettingName[]

/** A setting's flag: `maxConnections` → `max-connections`. */
export const flagOf = (name: string): string =>
  name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)

/** A setting's variable: `maxConnections` → `WSRELAY_MAX_CONNECTIONS`. */
export const envOf = (name: string): string =>
  `WSRELAY_${flagOf(name).replace(/-/g, '_').toUpperCase()}`
