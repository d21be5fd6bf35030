import type { OpenTarget } from '@wsrelay/client'
import {
  isTransport,
  TRANSPORTS,
  type RelayOffer,
  type Transport,
} from '@wsrelay/protocol'

/** What GET /routes says the relay offers (the type lives with the protocol). */
export type { RelayOffer }

/** What a relay without a route listing is assumed to offer: its default target. */
export const DEFAULT_OFFER: RelayOffer = {
  routes: [],
  defaultTarget: true,
  clientChosenTargets: false,
}

/** The relay's HTTP URL for /routes, from its WebSocket URL (same host, ws->http). */
export function routesUrlOf(relayUrl: string): string | undefined {
  try {
    const url = new URL(relayUrl)
    url.protocol = url.protocol === 'wss:' ? 'https:' : 'http:'
    url.pathname = '/routes'
    url.search = ''
    return url.toString()
  } catch {
    return undefined
  }
}

/** Reads the relay's offer; a relay that lists nothing offers its default target. */
export async function fetchOffer(
  relayUrl: string,
  signal?: AbortSignal,
): Promise<RelayOffer> {
  const url = routesUrlOf(relayUrl)
  if (!url) return DEFAULT_OFFER
  try {
    const res = await fetch(url, { signal })
    if (!res.ok) return DEFAULT_OFFER
    const body = (await res.json()) as Partial<
      Record<keyof RelayOffer, unknown>
    >
    const transports =
      typeof body.transports === 'object' && body.transports !== null
        ? Object.fromEntries(
            Object.entries(body.transports).filter(
              (entry): entry is [string, Transport] => isTransport(entry[1]),
            ),
          )
        : {}
    return {
      routes: Array.isArray(body.routes)
        ? body.routes.filter((r): r is string => typeof r === 'string')
        : [],
      transports,
      defaultTarget: body.defaultTarget !== false,
      ...(isTransport(body.defaultTransport)
        ? { defaultTransport: body.defaultTransport }
        : {}),
      clientChosenTargets: body.clientChosenTargets === true,
      clientChosenTransports: Array.isArray(body.clientChosenTransports)
        ? TRANSPORTS.filter((t) =>
            (body.clientChosenTransports as unknown[]).includes(t),
          )
        : ['tcp'],
    }
  } catch {
    return DEFAULT_OFFER
  }
}

/** The target picker's value: `default`, `route:NAME` or `custom`. */
export type TargetChoice = string

/** The first target a relay offers, to connect to on load. */
export function firstChoice(offer: RelayOffer): TargetChoice {
  if (offer.defaultTarget) return 'default'
  const route = offer.routes[0]
  if (route !== undefined) return `route:${route}`
  return offer.clientChosenTargets ? 'custom' : 'default'
}

/** The transport of a route or the default target, as the relay listed it (TCP when it did not). */
export function transportOfChoice(
  offer: RelayOffer,
  choice: TargetChoice,
): Transport {
  if (choice.startsWith('route:'))
    return offer.transports?.[choice.slice('route:'.length)] ?? 'tcp'
  return choice === 'default' ? (offer.defaultTransport ?? 'tcp') : 'tcp'
}

/** How the picker names a transport: nothing for TCP (the default), ` (UDP)` for datagrams. */
export const transportNote = (transport: Transport): string =>
  transport === 'udp' ? ' (UDP)' : ''

/**
 * Turns the picker into what `open()` takes; undefined = the path's
 * (default) target over TCP. A UDP target is asked for with `transport:
 * 'udp'`, so the relay refuses rather than give a stream where the page
 * expects datagrams.
 */
export function openTargetOf(
  choice: TargetChoice,
  host: string,
  port: string,
  transport: Transport = 'tcp',
): OpenTarget | undefined | Error {
  const udp = transport === 'udp' ? { transport } : {}
  if (choice.startsWith('route:'))
    return { route: choice.slice('route:'.length), ...udp }
  if (choice !== 'custom')
    return transport === 'udp' ? { transport } : undefined
  const portNumber = Number(port)
  if (host.trim() === '') return new Error('Type a host to connect to.')
  if (!Number.isInteger(portNumber) || portNumber < 1 || portNumber > 65535) {
    return new Error(`Port "${port}" is not a number from 1 to 65535.`)
  }
  return { host: host.trim(), port: portNumber, ...udp }
}
