import { parseArgs } from 'node:util'
import { isValidToken } from '@wsrelay/protocol'
import { parse as parseYaml } from 'yaml'
import { z } from 'zod'
import { RelayError } from '../errors.js'
import type { RelayOptions } from './options.js'
import {
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_DRAIN_TIMEOUT_MS,
  DEFAULT_HANDSHAKE_TIMEOUT_MS,
  DEFAULT_HEALTH_PATH,
  DEFAULT_HIGH_WATER_MARK_BYTES,
  DEFAULT_MAX_CONNECTIONS,
  DEFAULT_MAX_MESSAGE_BYTES,
  DEFAULT_MEMORY_BUDGET_BYTES,
  DEFAULT_PING_INTERVAL_MS,
  DEFAULT_PONG_TIMEOUT_MS,
  DEFAULT_READY_PATH,
} from './options.js'
import { parseHostPort } from '../targets/target-address.js'

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

type Kind = 'string' | 'boolean' | 'integer' | 'integer0' | 'list'

/** One configuration key: its flag, environment variable and file key are derived from it. */
interface Setting {
  /** The key in a config file (camelCase), and the flag in kebab-case. */
  readonly key: string
  readonly kind: Kind
  readonly default?: string | number | boolean | readonly string[]
  /** Shown redacted by --print-config. */
  readonly secret?: boolean
  /** Not a flag: set only by env or file (the token must not sit in `ps`). */
  readonly noFlag?: boolean
  /** What a valid value looks like, for error messages. */
  readonly expected?: string
}

/**
 * Every setting, once: flags (`--max-connections`), environment variables
 * (`WSRELAY_MAX_CONNECTIONS`) and config-file keys (`maxConnections`) all
 * come from this table and are validated by one schema.
 */
export const SETTINGS: readonly Setting[] = [
  {
    key: 'listen',
    kind: 'string',
    expected: '[host:]port, e.g. 8080 or 0.0.0.0:8080',
    noFlag: true,
  },
  {
    key: 'target',
    kind: 'string',
    expected: 'host:port, e.g. 127.0.0.1:5000',
    noFlag: true,
  },
  { key: 'route', kind: 'list', default: [], expected: 'NAME=HOST:PORT' },
  { key: 'allow', kind: 'list', default: [], expected: 'HOST:PORT rules' },
  { key: 'noRouteList', kind: 'boolean', default: false },
  {
    key: 'allowOrigin',
    kind: 'list',
    default: [],
    expected: 'origins such as https://app.example',
  },
  { key: 'allowHost', kind: 'list', default: [], expected: 'host names' },
  { key: 'tokenFile', kind: 'string', expected: 'a file path' },
  {
    key: 'token',
    kind: 'string',
    secret: true,
    noFlag: true,
    expected: '16-256 of A-Z a-z 0-9 . _ ~ + -',
  },
  { key: 'cert', kind: 'string', expected: 'a PEM file path' },
  { key: 'key', kind: 'string', expected: 'a PEM file path' },
  {
    key: 'trustProxy',
    kind: 'list',
    default: [],
    expected: 'IP addresses or CIDRs',
  },
  { key: 'web', kind: 'string', expected: 'a directory' },
  {
    key: 'connectTimeout',
    kind: 'integer',
    default: DEFAULT_CONNECT_TIMEOUT_MS,
  },
  {
    key: 'maxMessageSize',
    kind: 'integer',
    default: DEFAULT_MAX_MESSAGE_BYTES,
  },
  {
    key: 'highWaterMark',
    kind: 'integer',
    default: DEFAULT_HIGH_WATER_MARK_BYTES,
  },
  {
    key: 'memoryBudget',
    kind: 'integer',
    default: DEFAULT_MEMORY_BUDGET_BYTES,
  },
  { key: 'drainTimeout', kind: 'integer', default: DEFAULT_DRAIN_TIMEOUT_MS },
  {
    key: 'handshakeTimeout',
    kind: 'integer',
    default: DEFAULT_HANDSHAKE_TIMEOUT_MS,
  },
  { key: 'idleTimeout', kind: 'integer0', default: 0 },
  { key: 'pingInterval', kind: 'integer0', default: DEFAULT_PING_INTERVAL_MS },
  { key: 'pongTimeout', kind: 'integer', default: DEFAULT_PONG_TIMEOUT_MS },
  { key: 'maxConnections', kind: 'integer', default: DEFAULT_MAX_CONNECTIONS },
  { key: 'maxConnectionsPerIp', kind: 'integer0', default: 0 },
  { key: 'metrics', kind: 'boolean', default: false },
  {
    key: 'healthPath',
    kind: 'string',
    default: DEFAULT_HEALTH_PATH,
    expected: 'a path such as /healthz, or off',
  },
  {
    key: 'readyPath',
    kind: 'string',
    default: DEFAULT_READY_PATH,
    expected: 'a path such as /readyz, or off',
  },
  {
    key: 'logLevel',
    kind: 'string',
    default: 'info',
    expected: `one of ${LOG_LEVELS.join(', ')}`,
  },
  {
    key: 'logFormat',
    kind: 'string',
    default: 'auto',
    expected: 'json, pretty or auto (pretty on a terminal)',
  },
]

const kebab = (key: string): string =>
  key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)
const envName = (key: string): string =>
  `WSRELAY_${kebab(key).replace(/-/g, '_').toUpperCase()}`

/** Where a value came from, for --print-config. */
export type ConfigSource = 'flag' | 'env' | 'file' | 'default'

const EXPECTED: Record<Kind, string> = {
  string: 'a string',
  boolean: 'true or false',
  integer: 'a positive whole number',
  integer0: '0 (off) or a positive whole number',
  list: 'a list',
}

/** The one schema: what each kind of value must be once read. */
const SCHEMAS: Record<Kind, z.ZodType> = {
  string: z.string().min(1),
  boolean: z.boolean(),
  integer: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
  integer0: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  list: z.array(z.string().min(1)),
}

const extraChecks: Record<string, (value: unknown) => boolean> = {
  logLevel: (v) => (LOG_LEVELS as readonly unknown[]).includes(v),
  logFormat: (v) => v === 'json' || v === 'pretty' || v === 'auto',
  token: (v) => typeof v === 'string' && isValidToken(v),
}

/** Turns text from a flag or env var into the kind's type (numbers, booleans, lists). */
function fromText(kind: Kind, text: string | string[] | boolean): unknown {
  if (typeof text === 'boolean') return text
  switch (kind) {
    case 'integer':
    case 'integer0':
      return typeof text === 'string' && /^\d+$/.test(text)
        ? Number(text)
        : text
    case 'boolean':
      return text === 'true' || text === '1'
        ? true
        : text === 'false' || text === '0'
          ? false
          : text
    case 'list':
      return Array.isArray(text)
        ? text
        : text
            .split(',')
            .map((s) => s.trim())
            .filter((s) => s.length > 0)
    case 'string':
      return text
  }
}

function validate(setting: Setting, value: unknown, where: string): unknown {
  const ok =
    SCHEMAS[setting.kind].safeParse(value).success &&
    (extraChecks[setting.key]?.(value) ?? true)
  if (ok) return value
  const shown = setting.secret ? '<redacted>' : JSON.stringify(value)
  throw new RelayError(
    'RELAY_INVALID_OPTION',
    `Invalid ${where} ${shown}: expected ${setting.expected ?? EXPECTED[setting.kind]}.`,
  )
}

/** The settings with their values and where each came from. */
export interface ResolvedSettings {
  readonly values: Readonly<Record<string, unknown>>
  readonly sources: Readonly<Record<string, ConfigSource>>
}

/** Paths named by the configuration whose contents the relay needs. */
export interface CliFiles {
  readonly tokenFile?: string
  readonly cert?: string
  readonly key?: string
}

/** What the command line asks for. */
export type CliCommand =
  | { kind: 'help' }
  | { kind: 'version' }
  | {
      kind: 'run' | 'print-config'
      options: Omit<RelayOptions, 'logger' | 'token' | 'tls'>
      /** The token from WSRELAY_TOKEN or the config file (never a flag). */
      token: string | undefined
      logLevel: string
      logFormat: 'json' | 'pretty' | 'auto'
      /** Files the CLI reads before starting (see loadCliFiles). */
      files: CliFiles
      settings: ResolvedSettings
      /** Things to tell the operator at start (e.g. a misspelt WSRELAY_ variable). */
      warnings: string[]
    }

const flagOptions = () => {
  const options: Record<
    string,
    { type: 'string' | 'boolean'; multiple?: boolean; short?: string }
  > = {}
  for (const s of SETTINGS) {
    if (s.noFlag) continue
    options[kebab(s.key)] = {
      type: s.kind === 'boolean' ? 'boolean' : 'string',
      ...(s.kind === 'list' ? { multiple: true } : {}),
    }
  }
  options.config = { type: 'string' }
  options['print-config'] = { type: 'boolean' }
  options.help = { type: 'boolean', short: 'h' }
  options.version = { type: 'boolean', short: 'v' }
  return options
}

/** Edit distance, for "did you mean --max-connections?". */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i)
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0] ?? 0
    row[0] = i
    for (let j = 1; j <= b.length; j++) {
      const above = row[j] ?? 0
      row[j] = Math.min(
        above + 1,
        (row[j - 1] ?? 0) + 1,
        diagonal + (a[i - 1] === b[j - 1] ? 0 : 1),
      )
      diagonal = above
    }
  }
  return row[b.length] ?? 0
}

function unknownOptionHint(message: string): string {
  const match = /Unknown option '(-{1,2}[^']+)'/.exec(message)
  const given = match?.[1]
  if (!given) return `${message}. Run wsrelay --help for the options.`
  const name = given.replace(/^-+/, '').split('=')[0] ?? ''
  if (['port', 'listen', 'host', 'bind', 'p'].includes(name)) {
    return (
      `Unknown option ${given}: the listen address is the first argument, not a flag. ` +
      'Example: wsrelay 8081 127.0.0.1:5000 (or set WSRELAY_LISTEN=8081).'
    )
  }
  if (['target', 'to', 'upstream'].includes(name)) {
    return (
      `Unknown option ${given}: the target is the second argument, not a flag. ` +
      'Example: wsrelay 8081 127.0.0.1:5000 (or set WSRELAY_TARGET).'
    )
  }
  const known = Object.keys(flagOptions())
  const best = known
    .map((flag) => ({ flag, d: distance(name, flag) }))
    .sort((x, y) => x.d - y.d)[0]
  const hint =
    best && best.d <= Math.max(2, Math.floor(name.length / 3))
      ? ` Did you mean --${best.flag}?`
      : ''
  return `Unknown option ${given}.${hint} Run wsrelay --help for the options.`
}

/** Reads a --config file: JSON, or YAML by extension; keys are the settings' camelCase names. */
function readConfigFile(
  path: string,
  read: (path: string) => string,
): Record<string, unknown> {
  let text: string
  try {
    text = read(path)
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message
    throw new RelayError(
      'RELAY_INVALID_OPTION',
      `Cannot read --config ${path} (${code}). Check the path.`,
      { cause: err },
    )
  }
  let data: unknown
  try {
    data = /\.ya?ml$/i.test(path) ? parseYaml(text) : JSON.parse(text)
  } catch (err) {
    throw new RelayError(
      'RELAY_INVALID_OPTION',
      `Cannot parse --config ${path}: ${(err as Error).message.split('\n')[0] ?? ''}. It must be ${/\.ya?ml$/i.test(path) ? 'YAML' : 'JSON'} with keys such as maxConnections.`,
      { cause: err },
    )
  }
  if (data === null || data === undefined) return {}
  if (typeof data !== 'object' || Array.isArray(data)) {
    throw new RelayError(
      'RELAY_INVALID_OPTION',
      `--config ${path} must hold an object of settings, e.g. { "maxConnections": 500 }.`,
    )
  }
  const known = new Set(SETTINGS.map((s) => s.key))
  for (const key of Object.keys(data)) {
    if (!known.has(key)) {
      const best = [...known].sort(
        (a, b) => distance(key, a) - distance(key, b),
      )[0]
      throw new RelayError(
        'RELAY_INVALID_OPTION',
        `Unknown key "${key}" in --config ${path}.${best ? ` Did you mean "${best}"?` : ''} The keys are the flags in camelCase.`,
      )
    }
  }
  return data as Record<string, unknown>
}

/**
 * Resolves every setting: flag > env (`WSRELAY_*`) > config file > default.
 * Throws RELAY_INVALID_OPTION naming the key, the value and what is expected.
 */
export function parseCliArgs(
  argv: readonly string[],
  env: Record<string, string | undefined> = {},
  read: (path: string) => string = () => {
    throw new Error('no file reader')
  },
): CliCommand {
  let parsed
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: flagOptions(),
    })
  } catch (err) {
    throw new RelayError(
      'RELAY_INVALID_OPTION',
      unknownOptionHint((err as Error).message),
      { cause: err },
    )
  }
  const flags = parsed.values as Record<
    string,
    string | boolean | string[] | undefined
  >
  if (flags.help) return { kind: 'help' }
  if (flags.version) return { kind: 'version' }
  const { positionals } = parsed
  if (positionals.length > 2) {
    throw new RelayError(
      'RELAY_INVALID_OPTION',
      `Expected at most two arguments (listen address, target), got ${positionals.length}: ${positionals.join(' ')}. ` +
        'Flags go before them, e.g. wsrelay --web dist 8080 127.0.0.1:5000.',
    )
  }
  const configPath =
    typeof flags.config === 'string' ? flags.config : env.WSRELAY_CONFIG
  const file = configPath ? readConfigFile(configPath, read) : {}

  const values: Record<string, unknown> = {}
  const sources: Record<string, ConfigSource> = {}
  for (const setting of SETTINGS) {
    const { key } = setting
    const flagName = kebab(key)
    const fromFlag =
      key === 'listen'
        ? positionals[0]
        : key === 'target'
          ? positionals[1]
          : setting.noFlag
            ? undefined
            : flags[flagName]
    const fromEnv = env[envName(key)]
    if (
      fromFlag !== undefined &&
      !(Array.isArray(fromFlag) && fromFlag.length === 0)
    ) {
      const where =
        key === 'listen'
          ? 'listen address'
          : key === 'target'
            ? 'target address'
            : `--${flagName}`
      values[key] = validate(setting, fromText(setting.kind, fromFlag), where)
      sources[key] = 'flag'
    } else if (fromEnv !== undefined && fromEnv !== '') {
      values[key] = validate(
        setting,
        fromText(setting.kind, fromEnv),
        envName(key),
      )
      sources[key] = 'env'
    } else if (file[key] !== undefined) {
      values[key] = validate(
        setting,
        file[key],
        `${key} in ${configPath ?? 'the config file'}:`,
      )
      sources[key] = 'file'
    } else if (setting.default !== undefined) {
      values[key] = setting.default
      sources[key] = 'default'
    }
  }
  const command = toCommand(flags['print-config'] === true, {
    values,
    sources,
  })
  return 'warnings' in command
    ? { ...command, warnings: unknownEnvWarnings(env) }
    : command
}

/** WSRELAY_* variables no setting reads: a typo would otherwise pass silently. */
function unknownEnvWarnings(env: Record<string, string | undefined>): string[] {
  const known = new Map(SETTINGS.map((s) => [envName(s.key), s.key]))
  known.set('WSRELAY_CONFIG', 'config')
  const warnings: string[] = []
  for (const name of Object.keys(env)) {
    if (!name.startsWith('WSRELAY_') || known.has(name)) continue
    const best = [...known.keys()].sort(
      (a, b) => distance(name, a) - distance(name, b),
    )[0]
    if (best && distance(name, best) <= 3)
      warnings.push(
        `Ignoring ${name}: no setting has that name. Did you mean ${best}?`,
      )
  }
  return warnings
}

function toCommand(isPrint: boolean, settings: ResolvedSettings): CliCommand {
  const v = settings.values
  const str = (key: string) => v[key] as string | undefined
  const num = (key: string) => v[key] as number | undefined
  const list = (key: string) => (v[key] as string[] | undefined) ?? []
  const routeTexts = list('route')
  const hasOtherTargets = routeTexts.length > 0 || list('allow').length > 0
  const listenText = str('listen')
  if (
    listenText === undefined ||
    (str('target') === undefined && !hasOtherTargets)
  ) {
    throw new RelayError(
      'RELAY_INVALID_OPTION',
      listenText === undefined
        ? 'Expected a listen address and a target, got none. Example: wsrelay 8080 127.0.0.1:5000'
        : settings.sources.listen === 'env'
          ? `No target: WSRELAY_LISTEN is set (${listenText}) but WSRELAY_TARGET is not. Set WSRELAY_TARGET=host:port, or give --route/--allow.`
          : 'Expected a listen address and a target, got 1 argument(s). Example: wsrelay 8080 127.0.0.1:5000',
    )
  }
  if ((str('cert') === undefined) !== (str('key') === undefined)) {
    throw new RelayError(
      'RELAY_INVALID_OPTION',
      '--cert and --key go together: give both PEM files, or neither.',
    )
  }
  const routes: Record<string, string> = {}
  for (const text of routeTexts) {
    const eq = text.indexOf('=')
    const name = text.slice(0, eq)
    if (eq <= 0) {
      throw new RelayError(
        'RELAY_INVALID_OPTION',
        `Invalid --route "${text}": expected NAME=HOST:PORT, e.g. echo=127.0.0.1:5000.`,
      )
    }
    if (name in routes)
      throw new RelayError(
        'RELAY_INVALID_OPTION',
        `Route "${name}" is given twice.`,
      )
    routes[name] = text.slice(eq + 1)
  }
  const listen = parseHostPort(listenText, 'listen', '127.0.0.1')
  const targetText = str('target')
  const target =
    targetText === undefined ? undefined : parseHostPort(targetText, 'target')
  const path = (key: string): string | false | undefined => {
    const p = str(key)
    return p === 'off' ? false : p
  }
  return {
    kind: isPrint ? 'print-config' : 'run',
    logLevel: str('logLevel') ?? 'info',
    logFormat: (str('logFormat') ?? 'auto') as 'json' | 'pretty' | 'auto',
    token: str('token'),
    files: { tokenFile: str('tokenFile'), cert: str('cert'), key: str('key') },
    settings,
    warnings: [],
    options: {
      host: listen.host,
      port: listen.port,
      target,
      routes,
      allow: list('allow'),
      routeList: v.noRouteList !== true,
      metrics: v.metrics === true,
      allowOrigins: list('allowOrigin'),
      allowHosts: list('allowHost'),
      trustProxy: list('trustProxy'),
      web: str('web'),
      connectTimeoutMs: num('connectTimeout'),
      maxMessageBytes: num('maxMessageSize'),
      highWaterMarkBytes: num('highWaterMark'),
      memoryBudgetBytes: num('memoryBudget'),
      drainTimeoutMs: num('drainTimeout'),
      handshakeTimeoutMs: num('handshakeTimeout'),
      idleTimeoutMs: num('idleTimeout'),
      pingIntervalMs: num('pingInterval'),
      pongTimeoutMs: num('pongTimeout'),
      maxConnections: num('maxConnections'),
      maxConnectionsPerIp: num('maxConnectionsPerIp'),
      healthPath: path('healthPath'),
      readyPath: path('readyPath'),
    },
  }
}

/** `wsrelay --print-config`: every setting, its value and where it came from; secrets redacted. */
export function formatSettings(settings: ResolvedSettings): string {
  const rows = SETTINGS.filter(
    (s) => settings.sources[s.key] !== undefined,
  ).map((s) => {
    const value = settings.values[s.key]
    const shown = s.secret ? '<redacted>' : JSON.stringify(value)
    return [
      s.key,
      shown,
      settings.sources[s.key] ?? '',
      s.key === 'listen'
        ? '1st argument'
        : s.key === 'target'
          ? '2nd argument'
          : s.noFlag
            ? '-'
            : `--${kebab(s.key)}`,
      envName(s.key),
    ]
  })
  const header = ['key', 'value', 'from', 'flag', 'env']
  const widths = header.map((h, i) =>
    Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)),
  )
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd()
  return [line(header), ...rows.map(line)].join('\n') + '\n'
}

/** Reads one file named by a flag, with an error that names the flag and the fix. */
function readFlagFile(
  flag: string,
  path: string,
  read: (path: string) => string,
): string {
  try {
    return read(path)
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message
    throw new RelayError(
      flag === '--token-file' ? 'RELAY_INVALID_OPTION' : 'RELAY_TLS_INVALID',
      `Cannot read ${flag} ${path} (${code}). Check the path and that the relay's user may read it.`,
      { cause: err },
    )
  }
}

/**
 * Loads the token (from --token-file, else WSRELAY_TOKEN or the config
 * file) and the TLS files. The token is never logged; a trailing newline in
 * its file is ignored.
 */
export function loadCliFiles(
  files: CliFiles,
  env: Record<string, string | undefined>,
  read: (path: string) => string,
  configToken?: string,
): Pick<RelayOptions, 'token' | 'tls'> {
  const fromEnv = env.WSRELAY_TOKEN || configToken
  if (
    files.tokenFile !== undefined &&
    fromEnv !== undefined &&
    fromEnv !== ''
  ) {
    throw new RelayError(
      'RELAY_INVALID_OPTION',
      'Give the token once: --token-file or WSRELAY_TOKEN, not both.',
    )
  }
  const token =
    files.tokenFile !== undefined
      ? readFlagFile('--token-file', files.tokenFile, read).replace(
          /\r?\n$/,
          '',
        )
      : fromEnv || undefined
  const tls =
    files.cert !== undefined && files.key !== undefined
      ? {
          cert: readFlagFile('--cert', files.cert, read),
          key: readFlagFile('--key', files.key, read),
        }
      : undefined
  return { token, tls }
}

/** `wsrelay --help`. */
export const USAGE = `Usage: wsrelay [options] [listen_host:]listen_port [target_host:target_port]

Relays WebSocket connections to TCP servers, websockify-style: every
WebSocket gets its own TCP connection. Binary and text frames go to the
target as bytes; target bytes come back as binary frames. Clients speaking the
wsrelay.v1 subprotocol use text frames for control messages (open, ping, end).

Examples:
  wsrelay 8080 127.0.0.1:5000                 listen on 127.0.0.1:8080
  wsrelay 0.0.0.0:8080 game:7000              listen on all interfaces
  wsrelay --web apps/console/dist 8080 127.0.0.1:5000
  wsrelay --route vnc=10.0.0.5:5900 --route redis=127.0.0.1:6379 8080
  wsrelay --allow '*:443' --allow 10.1.0.0/16:7000-7010 8080
  WSRELAY_MAX_CONNECTIONS=500 wsrelay --config relay.yaml --print-config

Arguments:
  [listen_host:]listen_port  where to accept WebSockets; a bare port listens on
                             127.0.0.1 only (use 0.0.0.0:PORT to accept from the
                             network); port 0 picks a free port
  target_host:target_port    the TCP server for every path no route names
                             ([v6addr]:port for IPv6); optional with --route/--allow

Targets:
  --route NAME=HOST:PORT     a named target, chosen by the URL path
                             (ws://relay/NAME); repeatable
  --allow RULE               let wsrelay.v1 clients choose a target: RULE is
                             HOST:PORT, HOST:FROM-TO or HOST:*, HOST a name, *,
                             or a CIDR (10.0.0.0/8, [fd00::]/8); repeatable.
                             Without it clients cannot choose. Loopback,
                             private, link-local, metadata, documentation and
                             the relay host's own addresses need a CIDR rule
                             inside their range
  --no-route-list            do not list route names at GET /routes

Security:
  --allow-origin ORIGIN      also accept pages from ORIGIN (repeatable; * for
                             all). Default: the relay's own origin, and
                             clients that send no Origin. Others: close 4103
  --allow-host NAME          also answer requests whose Host is NAME
                             (repeatable; * for any). A loopback listener
                             answers only its own names (DNS rebinding guard)
  --token-file PATH          require this token (or set WSRELAY_TOKEN); clients
                             offer the subprotocol wsrelay.token.<token>
  --cert PATH, --key PATH    PEM certificate and key: serve wss:// and https://
  --trust-proxy CIDR         take the client IP from X-Forwarded-For when the
                             peer is in CIDR (e.g. 127.0.0.1/32); repeatable

Limits and timeouts:
  --connect-timeout MS       TCP connect timeout (default ${DEFAULT_CONNECT_TIMEOUT_MS})
  --max-message-size BYTES   largest WebSocket message accepted; larger ones
                             close with 1009 (default ${DEFAULT_MAX_MESSAGE_BYTES})
  --high-water-mark BYTES    bytes held per direction before the relay stops
                             reading the faster side (default ${DEFAULT_HIGH_WATER_MARK_BYTES})
  --memory-budget BYTES      bytes held across all connections before the
                             biggest holders are paused (default ${DEFAULT_MEMORY_BUDGET_BYTES})
  --drain-timeout MS         time a closing connection, or shutdown, may take to
                             flush before it is cut (default ${DEFAULT_DRAIN_TIMEOUT_MS})
  --handshake-timeout MS     time the HTTP upgrade (and TLS handshake) may
                             take; slower ones get 408 (default ${DEFAULT_HANDSHAKE_TIMEOUT_MS})
  --idle-timeout MS          close a connection with no bytes either way for
                             this long, code 4100 (default 0: off)
  --ping-interval MS         ping every browser this often to find ones that
                             vanished; 0 turns pings off (default ${DEFAULT_PING_INTERVAL_MS})
  --pong-timeout MS          cut a browser that misses a pong for this long and
                             free its TCP connection (default ${DEFAULT_PONG_TIMEOUT_MS})
  --max-connections N        most live connections; more are closed with 1013
                             (default ${DEFAULT_MAX_CONNECTIONS}, lowered to what the open-file
                             limit holds)
  --max-connections-per-ip N most live connections from one client IP; more
                             are closed with 1013 (default 0: no limit)

HTTP on the same port:
  --web DIR                  serve the files in DIR (GET and HEAD only)
  --health-path PATH         liveness, 200 while the process runs (default
                             ${DEFAULT_HEALTH_PATH}; off turns it off)
  --ready-path PATH          readiness, 503 once draining (default ${DEFAULT_READY_PATH}; off)
  --metrics                  serve Prometheus metrics at GET /metrics (default off)

Configuration and logs:
  --config FILE              read settings from a JSON or YAML file (keys are
                             the flags in camelCase: maxConnections: 500)
  --print-config             print every setting, its value and where it came
                             from (flag, env, file, default), then exit
  --log-level LEVEL          ${LOG_LEVELS.join(', ')} (default info)
  --log-format FORMAT        json, pretty, or auto: pretty on a terminal,
                             JSON lines otherwise (default auto)
  -h, --help                 show this help
  -v, --version              print the version

Every setting can also come from the environment, WSRELAY_ and the flag in
upper snake case (WSRELAY_MAX_CONNECTIONS=500, WSRELAY_LISTEN=0.0.0.0:8080,
WSRELAY_TARGET=echo:5000, WSRELAY_TOKEN, lists comma-separated). Precedence:
flag, then environment, then --config file, then default.

SIGINT, SIGTERM and SIGHUP drain: new connections get 503, every connection is
closed with 1001 after its bytes are flushed, then the relay exits 0.
`
