import { ROUTES_PATH, type RelayOffer } from '@wsrelay/protocol'
import type http from 'node:http'
import type { RelayMetrics } from '../observability/metrics.js'
import type { Logger } from '../observability/logger.js'
import type { Redact } from '../observability/redaction.js'
import type { HostAllowlist } from '../upgrade/host-allowlist.js'
import type { RegistrySnapshot } from '../observability/registry.js'
import type { StaticHandler } from './static-files.js'
import { hostRefusal } from '../upgrade/upgrade-policy.js'

/** What the endpoints read. */
export interface EndpointsContext {
  readonly config: {
    /** Liveness and readiness paths; undefined: off. */
    readonly healthPath: string | undefined
    readonly readyPath: string | undefined
    readonly noRouteList: boolean
    /** Only the names are listed, never the addresses. */
    readonly route: ReadonlyMap<string, unknown>
    readonly target: unknown
    readonly allow: readonly unknown[]
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
): void => {
  res.writeHead(status, {
    'content-type': 'application/json',
    'cache-control': 'no-store',
  })
  res.end(JSON.stringify(body))
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
      metrics.registry.metrics().then(
        (text) => {
          res.writeHead(200, { 'content-type': metrics.registry.contentType })
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
      json(res, 200, {
        routes: [...config.route.keys()],
        defaultTarget: config.target !== undefined,
        clientChosenTargets: config.allow.length > 0,
      } satisfies RelayOffer)
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
