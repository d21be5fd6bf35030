import {
  fitCloseReason,
  type OpenMessage,
  type Transport,
} from '@wsrelay/protocol'
import {
  pickAllowedAddress,
  type AllowRule,
  type SpecialRange,
} from './allow-rules.js'
import type { ResolveHost } from './resolver.js'
import {
  formatHostPort,
  transportOf,
  type TargetAddress,
} from './target-address.js'
import { classifyTargetError, type TargetFailure } from './target-failure.js'

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
      readonly refusal: 'pathInvalid' | 'targetNotAllowed'
      readonly reason: string
    }
  | { readonly ok: false; readonly failure: TargetFailure }

/** What target selection reads of the relay's settings. */
export interface TargetConfig {
  /** The fixed target, for paths no route names. */
  readonly target: TargetAddress | undefined
  readonly route: ReadonlyMap<string, TargetAddress>
  /** `--allow` rules for client-chosen targets. */
  readonly allow: readonly AllowRule[]
  readonly resolveHost: ResolveHost
  /** The relay host's own addresses, special for the allow rules. */
  readonly hostRanges: readonly SpecialRange[]
}

type Config = TargetConfig

const refuse = (
  reason: string,
  refusal: 'pathInvalid' | 'targetNotAllowed' = 'targetNotAllowed',
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
 * The first path segment, decoded, e.g. `echo` for `/echo?x=1`; undefined
 * when the path is not a valid percent-encoded path (`/%`, `/%zz`, `/%C0%AF`).
 * Never throws: the path comes straight from the network.
 */
export function routeNameOf(path: string | undefined): string | undefined {
  const segment = (path ?? '/').split('?')[0]?.split('/')[1] ?? ''
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
 * A `wsrelay.v1` open. Client-chosen targets are resolved once; every address
 * is checked against the allow rules of the transport asked for (TCP unless
 * `open` says `udp`), and the connection goes to the address that passed,
 * so a second DNS answer cannot redirect it.
 */
export async function targetForOpen(
  config: Config,
  open: OpenMessage,
  path: string | undefined,
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
  let addresses
  try {
    addresses = await config.resolveHost(open.host)
  } catch (err) {
    return { ok: false, failure: classifyTargetError(err, open, 'connect') }
  }
  const picked = pickAllowedAddress(
    rules,
    open.host,
    open.port,
    addresses,
    config.hostRanges,
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
