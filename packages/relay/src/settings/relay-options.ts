import tls from 'node:tls'
import { RelayError } from '../errors.js'
import { resolveWebRoot } from '../http/static-files.js'
import { createSilentLogger, type Logger } from '../observability/logger.js'
import {
  createHostAddresses,
  type SpecialRange,
} from '../targets/allow-rules.js'
import { createDnsLookup, type ResolveHost } from '../targets/resolver.js'
import type { Setting } from './setting-kinds.js'

export type { ResolveHost }
import { SETTING_NAMES, SETTINGS, type SettingName } from './settings.js'

type Rows = typeof SETTINGS
type InputOf<S> = S extends Setting<infer I, unknown> ? I : never
type ValueOf<S> = S extends Setting<unknown, infer V> ? V : never

/** Settings the library takes (the others belong to the command line: files it reads, log output). */
export type LibrarySettingName = {
  [K in SettingName]: Rows[K]['library'] extends true ? K : never
}[SettingName]

/** Settings of the relay's own server, which `attachRelay` leaves to the app's. */
export type OwnServerSettingName = {
  [K in SettingName]: Rows[K]['ownServer'] extends true ? K : never
}[SettingName]

/** Every setting's value after the one check. */
export type SettingValues = { readonly [K in SettingName]: ValueOf<Rows[K]> }

/** What the library takes besides the settings: objects and functions. */
export interface RelayHooks {
  /** PEM certificate and key: serve wss:// and https:// on the same port. */
  readonly tls?: { cert: string | Buffer; key: string | Buffer }
  /** DNS for client-chosen names; default c-ares with `dnsServer` (bounded by `maxLookups`, `maxLookupsPerIp`, `dnsTimeout` either way). */
  readonly resolveHost?: ResolveHost
  /** pino logger; silent when omitted. */
  readonly logger?: Logger
}

/**
 * Options of {@link createRelay}: every library setting of `SETTINGS` by its
 * name (the README's options table lists them with units and defaults), and
 * the hooks.
 *
 * @example
 * createRelay({ listen: 8080, target: '127.0.0.1:5000', maxConnections: 500 })
 */
export type RelayOptions = {
  readonly [K in LibrarySettingName]?: InputOf<Rows[K]>
} & RelayHooks

/** Options with every default filled in and every value checked. */
export type ResolvedRelayOptions = Pick<SettingValues, LibrarySettingName> & {
  readonly tls: { cert: string | Buffer; key: string | Buffer } | undefined
  readonly resolveHost: ResolveHost
  readonly logger: Logger
  /** The relay host's own addresses (read again every second), special for the allow rules. */
  readonly hostRanges: () => readonly SpecialRange[]
  /** Settings given explicitly, not left to their default. */
  readonly given: ReadonlySet<SettingName>
}

/** Settings after the one check, with the names that were given. */
export interface CheckedSettings {
  readonly values: SettingValues
  readonly given: ReadonlySet<SettingName>
}

/**
 * The one check: every given value against its row, defaults for the rest,
 * then the rules that tie settings together. `whereOf` names where a value
 * came from, for messages (`option maxConnections`, `--max-connections`,
 * `WSRELAY_MAX_CONNECTIONS`, `maxConnections in relay.yaml:`). No I/O.
 */
export function checkSettings(
  input: Readonly<Partial<Record<SettingName, unknown>>>,
  whereOf: (name: SettingName) => string,
): CheckedSettings {
  const values: Record<string, unknown> = {}
  const given = new Set<SettingName>()
  for (const name of SETTING_NAMES) {
    const row: Setting = SETTINGS[name]
    const value = input[name]
    if (value === undefined) values[name] = row.default
    else {
      values[name] = row.check(value, whereOf(name))
      given.add(name)
    }
  }
  const checked = values as SettingValues
  if (
    checked.target === undefined &&
    checked.route.size === 0 &&
    checked.allow.length === 0
  ) {
    throw new RelayError(
      'RELAY_INVALID_OPTION',
      'Nothing to relay to: give a target (host:port), a --route NAME=HOST:PORT, or an --allow rule.',
    )
  }
  const named = checked.allow.find((rule) => rule.host.kind === 'name')
  if (checked.noClientNames && named) {
    throw new RelayError(
      'RELAY_INVALID_OPTION',
      `--allow ${named.text} names a host, but --no-client-names lets clients name IP addresses only: use a CIDR rule, or drop --no-client-names.`,
    )
  }
  return { values: checked, given }
}

/**
 * Turns checked settings into what the relay runs with: the `--web`
 * directory's real path, a TLS pair that works together, the host's own
 * addresses, the hooks' defaults.
 */
export function prepareRelayOptions(
  { values, given }: CheckedSettings,
  hooks: RelayHooks,
): ResolvedRelayOptions {
  if (hooks.tls) {
    try {
      tls.createSecureContext({ cert: hooks.tls.cert, key: hooks.tls.key })
    } catch (err) {
      throw new RelayError(
        'RELAY_TLS_INVALID',
        `The TLS certificate and key cannot be used together (${(err as Error).message}). ` +
          'Check that --cert and --key are PEM files of one key pair.',
        { cause: err },
      )
    }
  }
  const library = {} as Record<LibrarySettingName, unknown>
  for (const name of SETTING_NAMES)
    if (SETTINGS[name].library)
      library[name as LibrarySettingName] = values[name]
  return {
    ...(library as Pick<SettingValues, LibrarySettingName>),
    web: values.web === undefined ? undefined : resolveWebRoot(values.web),
    tls: hooks.tls,
    resolveHost:
      hooks.resolveHost ?? createDnsLookup(values.dnsServer, values.dnsTimeout),
    logger: hooks.logger ?? createSilentLogger(),
    hostRanges: createHostAddresses(),
    given,
  }
}

/** Checks the library's options and fills in defaults; throws RELAY_INVALID_OPTION on misuse. */
export function resolveRelayOptions(
  options: RelayOptions,
): ResolvedRelayOptions {
  const { tls: pair, resolveHost, logger, ...settings } = options
  for (const name of Object.keys(settings)) {
    const row = (SETTINGS as Record<string, Setting | undefined>)[name]
    if (row?.library !== true) {
      throw new RelayError(
        'RELAY_INVALID_OPTION',
        `Unknown option ${name}. The options are the settings' names: ${SETTING_NAMES.filter((n) => SETTINGS[n].library).join(', ')}.`,
      )
    }
  }
  return prepareRelayOptions(
    checkSettings(settings, (name) => `option ${name}`),
    { tls: pair, resolveHost, logger },
  )
}
