import net from 'node:net'
import {
  fitCloseReason,
  type OpenMessage,
  type Transport,
} from '@wsrelay/protocol'
import {
  couldAllow,
  pickAllowedAddress,
  type AllowRule,
  type SpecialRange,
} from './allow-rules.js'
import { LookupRefused, type Resolver } from './resolver.js'
import {
  formatHostPort,
  transportOf,
  type TargetAddress,
} from './target-address.js'
import { lookupFailure, type TargetFailure } from './target-failure.js'

/** Where one connection goes, and how: `transport` is present only for UDP. */
export interface ChosenTarget extends TargetAddress {
  /** What to connect to: the checked IP for client-chosen targets (no second DNS lookup). */
  readonly connectTo: string
  readonly route?: string
  readonly isClientChosen: boolean
}

/** A target; or the refusal (its kind in the catalogue, and the reason), or the failure, that says why there is none. */
export type TargetChoice =
  | { readonly ok: true; readonly target: ChosenTarget }
  | {
      readonly ok: false
      readonly refusal: TargetRefusal
      readonly reason: string
    }
  | { readonly ok: false; readonly failure: TargetFailure }

/** Refusals target selection answers with (kinds of the refusal catalogue). */
export type TargetRefusal = 'pathInvalid' | 'targetNotAllowed' | 'lookupsBusy'

/** What target selection reads of the relay's settings. */
export interface TargetConfig {
  /** The fixed target, for paths no route names. */
  readonly target: TargetAddress | undefined
  readonly route: ReadonlyMap<string, TargetAddress>
  /** `--allow` rules for client-chosen targets. */
  readonly allow: readonly AllowRule[]
  /** Clients may name IP addresses only: no DNS lookup for them. */
  readonly noClientNames: boolean
  /** The relay host's own addresses (as they are now), special for the allow rules. */
  readonly hostRanges: () => readonly SpecialRange[]
}

type Config = TargetConfig

const refuse = (
  reason: string,
  refusal: TargetRefusal = 'targetNotAllowed',
): TargetChoice => ({ ok: false, refusal, reason: fitCloseReason(reason) })

function route(config: Config, name: string): TargetChoice | undefined {
  const found = config.route.get(name)
  return found
    ? {
        ok: true,
        target: {
          ...found,
          connectTo: found.host,
          route: name,
          isClientChosen: false,
        },
      }
    : undefined
}

/**
 * A request target in origin form: an absolute-form one
 * (`GET ws://relay.example/vnc HTTP/1.1`, which RFC 9112 3.2.2 says a
 * server must accept) loses its scheme and authority, so it names the same
 * route as `/vnc`.
 */
export function originFormOf(target: string | undefined): string {
  const text = target ?? '/'
  const absolute = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i.exec(text)
  if (!absolute) return text
  const rest = text.slice(absolute[0].length)
  return rest.startsWith('/') ? rest : `/${rest}`
}

/**
 * The first path segment, decoded, e.g. `echo` for `/echo?x=1`; undefined
 * when the path is not a valid percent-encoded path (`/%`, `/%zz`, `/%C0%AF`).
 * Never throws: the path comes straight from the network.
 */
export function routeNameOf(path: string | undefined): string | undefined {
  const segment = originFormOf(path).split('?')[0]?.split('/')[1] ?? ''
  try {
    return decodeURIComponent(segment)
  } catch {
    return undefined
  }
}

/** Raw clients (and `open` with no fields): a route named by the path, else the fixed target. */
export function targetForPath(
  config: Config,
  path: string | undefined,
): TargetChoice {
  const name = routeNameOf(path)
  if (name === undefined) {
    return refuse('The URL path has a malformed percent escape.', 'pathInvalid')
  }
  const byRoute = name ? route(config, name) : undefined
  if (byRoute) return byRoute
  if (config.target) {
    return {
      ok: true,
      target: {
        ...config.target,
        connectTo: config.target.host,
        isClientChosen: false,
      },
    }
  }
  return refuse(
    name
      ? `No route named "${name}" on this relay.`
      : 'No target for this path: name a route, e.g. ws://relay/NAME.',
  )
}

const NAMES: Readonly<Record<Transport, string>> = { tcp: 'TCP', udp: 'UDP' }

/**
 * An `open` that names a transport for a route or the path's target: the
 * page asks for datagrams (or a stream) and gets them, or a refusal that
 * says what the target is.
 */
function checkTransport(
  choice: TargetChoice,
  asked: Transport | undefined,
): TargetChoice {
  if (!choice.ok || asked === undefined) return choice
  const actual = transportOf(choice.target)
  if (actual === asked) return choice
  const what = choice.target.route
    ? `Route "${choice.target.route}"`
    : 'The default target'
  return refuse(`${what} is ${NAMES[actual]}, not ${NAMES[asked]}.`)
}

/**
 * A `wsrelay.v1` open. A client-chosen name is resolved once, through
 * `resolver` (bounded, see `resolver.ts`), and only when some rule of the
 * transport asked for (TCP unless `open` says `udp`) could allow it; every
 * address is checked against those rules, and the connection goes to the
 * address that passed, so a second DNS answer cannot redirect it. `signal`
 * aborts the lookup when the client leaves.
 */
export async function targetForOpen(
  config: Config,
  open: OpenMessage,
  path: string | undefined,
  resolver: Resolver,
  signal: AbortSignal,
): Promise<TargetChoice> {
  if ('route' in open) {
    return checkTransport(
      route(config, open.route) ??
        refuse(`No route named "${open.route}" on this relay.`),
      open.transport,
    )
  }
  if (!('host' in open))
    return checkTransport(targetForPath(config, path), open.transport)
  const transport = open.transport ?? 'tcp'
  // A rule opens its own transport only: a TCP rule never opens UDP, nor the reverse.
  const rules = config.allow.filter((rule) => rule.transport === transport)
  const where = formatHostPort(open)
  if (config.allow.length === 0) {
    return refuse('This relay does not allow client-chosen targets.')
  }
  if (rules.length === 0) {
    return refuse(
      `This relay does not allow client-chosen ${NAMES[transport]} targets.`,
    )
  }
  const isName = net.isIP(open.host) === 0
  if (isName && config.noClientNames) {
    return refuse(
      `Target ${where}: this relay accepts IP addresses only (--no-client-names).`,
    )
  }
  // No lookup for what no rule could allow, whatever it resolves to.
  if (!couldAllow(rules, open.host, open.port)) {
    return refuse(
      transport === 'udp'
        ? `UDP target ${where} is not allowed by this relay.`
        : `Target ${where} is not allowed by this relay.`,
    )
  }
  let addresses
  try {
    addresses = await resolver.resolve(open.host, signal)
  } catch (err) {
    if (err instanceof LookupRefused && err.code === 'RELAY_LOOKUPS_BUSY')
      return refuse(err.message, 'lookupsBusy')
    return { ok: false, failure: lookupFailure(err, open) }
  }
  const picked = pickAllowedAddress(
    rules,
    open.host,
    open.port,
    addresses,
    config.hostRanges(),
  )
  if (!picked) {
    return refuse(
      transport === 'udp'
        ? `UDP target ${where} is not allowed by this relay.`
        : `Target ${where} is not allowed by this relay.`,
    )
  }
  return {
    ok: true,
    target: {
      host: open.host,
      port: open.port,
      ...(transport === 'udp' ? { transport } : {}),
      connectTo: picked.address,
      isClientChosen: true,
    },
  }
}
