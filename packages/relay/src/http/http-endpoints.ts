import { ROUTES_PATH, type RelayOffer, type Transport } from '@wsrelay/protocol'
import type http from 'node:http'
import type { RelayMetrics } from '../observability/metrics.js'
import type { Logger } from '../observability/logger.js'
import type { Redact } from '../observability/redaction.js'
import type { HostAllowlist } from '../upgrade/host-allowlist.js'
import type { RegistrySnapshot } from '../observability/registry.js'
import type { StaticHandler } from './static-files.js'
import { hostRefusal } from '../upgrade/upgrade-policy.js'
import { isOriginAllowed } from '../upgrade/origin-policy.js'

/** What the endpoints read. */
export interface EndpointsContext {
  readonly config: {
    /** Liveness and readiness paths; undefined: off. */
    readonly healthPath: string | undefined
    readonly readyPath: string | undefined
    readonly noRouteList: boolean
    /** Only the names and transports are listed, never the addresses. */
    readonly route: ReadonlyMap<string, { readonly transport?: Transport }>
    readonly target: { readonly transport?: Transport } | undefined
    readonly allow: readonly { readonly transport: Transport }[]
    /** Page origins the relay accepts besides its own: they may also read `/routes`. */
    readonly allowOrigin: readonly string[]
  }
  readonly hosts: HostAllowlist
  readonly metrics: RelayMetrics | undefined
  readonly serveStatic: StaticHandler | undefined
  readonly snapshot: () => RegistrySnapshot
  readonly isDraining: () => boolean
  readonly log: Logger
  /** The redaction point, for answers that quote the request. */
  readonly redact: Redact
}

const json = (
  res: http.ServerResponse,
  status: number,
  body: unknown,
  headers: http.OutgoingHttpHeaders = {},
): void => {
  res.writeHead(status, {
    'content-type': 'application/json',
    'cache-control': 'no-store',
    ...headers,
  })
  res.end(JSON.stringify(body))
}

/** What `/routes` lists: names and transports, never addresses. */
function offerOf(config: EndpointsContext['config']): RelayOffer {
  const transports = new Set(config.allow.map((rule) => rule.transport))
  return {
    routes: [...config.route.keys()],
    transports: Object.fromEntries(
      [...config.route].map(([name, t]) => [name, t.transport ?? 'tcp']),
    ),
    defaultTarget: config.target !== undefined,
    ...(config.target
      ? { defaultTransport: config.target.transport ?? 'tcp' }
      : {}),
    clientChosenTargets: config.allow.length > 0,
    clientChosenTransports: (['tcp', 'udp'] as const).filter((t) =>
      transports.has(t),
    ),
  }
}

/**
 * CORS for `/routes`: a page the relay would accept a WebSocket from may
 * also read the route list, so a console served from another origin
 * (`--allow-origin`) can offer the targets. The answer names that one origin
 * (never `*`, never credentials) and varies by Origin, so a cache cannot hand
 * it to a page the relay would refuse; other origins get no header and the
 * browser keeps the list from them.
 */
function corsHeaders(
  req: http.IncomingMessage,
  allowOrigin: readonly string[],
): http.OutgoingHttpHeaders {
  const { origin, host } = req.headers
  if (origin === undefined || !isOriginAllowed(origin, host, allowOrigin))
    return { vary: 'Origin' }
  return { 'access-control-allow-origin': origin, vary: 'Origin' }
}

/**
 * Plain HTTP on the relay's port: liveness and readiness, `/routes` (names
 * only), `/metrics` when enabled, and the `--web` files. Every request first
 * passes the Host allowlist, so a rebinding page cannot read any of it.
 */
export function createRequestHandler(
  ctx: EndpointsContext,
): (req: http.IncomingMessage, res: http.ServerResponse) => void {
  const { config, metrics, serveStatic, log } = ctx
  return (req, res) => {
    res.on('error', () => undefined) // a client that went away; nothing to answer
    if (!ctx.hosts.isAllowed(req.headers.host)) {
      res.writeHead(403, { 'content-type': 'text/plain; charset=utf-8' })
      res.end(`${ctx.redact(hostRefusal(req.headers.host))}\n`)
      return
    }
    const path = (req.url ?? '/').split('?')[0] ?? '/'
    if (path === config.healthPath) {
      const { connections } = ctx.snapshot()
      json(res, 200, {
        status: ctx.isDraining() ? 'draining' : 'ok',
        connections,
      })
      return
    }
    if (path === config.readyPath) {
      const draining = ctx.isDraining()
      json(res, draining ? 503 : 200, {
        status: draining ? 'draining' : 'ready',
      })
      return
    }
    if (path === '/metrics' && metrics) {
      metrics.text().then(
        (text) => {
          res.writeHead(200, { 'content-type': metrics.contentType })
          res.end(text)
        },
        (err: unknown) => {
          log.error({ err }, 'metrics failed')
          res.writeHead(500).end()
        },
      )
      return
    }
    if (path === ROUTES_PATH && !config.noRouteList) {
      const cors = corsHeaders(req, config.allowOrigin)
      if (req.method === 'OPTIONS') {
        // A preflight: the console's GET needs none, but other pages may ask.
        res.writeHead(204, {
          ...cors,
          'access-control-allow-methods': 'GET, HEAD',
          'access-control-max-age': '600',
        })
        res.end()
        return
      }
      json(res, 200, offerOf(config) satisfies RelayOffer, cors)
      return
    }
    const notFound = (): void => {
      res.writeHead(serveStatic ? 404 : 426, {
        'content-type': 'text/plain; charset=utf-8',
      })
      res.end(
        serveStatic
          ? 'Not found.\n'
          : 'This is a wsrelay WebSocket endpoint: connect with a WebSocket client. ' +
              'Start the relay with --web DIR to serve pages here too.\n',
      )
    }
    if (serveStatic) serveStatic(req, res, path, notFound)
    else notFound()
  }
}
