import type { OpenTarget } from '@wsrelay/client'
import type { RelayOffer } from '@wsrelay/protocol'

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
    const body = (await res.json()) as Partial<RelayOffer>
    return {
      routes: Array.isArray(body.routes)
        ? body.routes.filter((r): r is string => typeof r === 'string')
        : [],
      defaultTarget: body.defaultTarget !== false,
      clientChosenTargets: body.clientChosenTargets === true,
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

/** Turns the picker into what `open()` takes; undefined = the path's (default) target. */
export function openTargetOf(
  choice: TargetChoice,
  host: string,
  port: string,
): OpenTarget | undefined | Error {
  if (choice.startsWith('route:'))
    return { route: choice.slice('route:'.length) }
  if (choice !== 'custom') return undefined
  const portNumber = Number(port)
  if (host.trim() === '') return new Error('Type a host to connect to.')
  if (!Number.isInteger(portNumber) || portNumber < 1 || portNumber > 65535) {
    return new Error(`Port "${port}" is not a number from 1 to 65535.`)
  }
  return { host: host.trim(), port: portNumber }
}
