import type http from 'node:http'
import type https from 'node:https'
import { RelayError } from '../errors.js'
import {
  resolveRelayOptions,
  type OwnServerSettingName,
  type RelayOptions,
} from '../settings/relay-options.js'
import { createRelayCore, type RelayStats } from './relay-core.js'
import type { RelayOn } from './relay-events.js'
import { originFormOf } from '../targets/target-selection.js'
import { mountRelay } from './upgrade-dispatch.js'

/** Options of {@link attachRelay}: the relay's options, less what the app's server owns. */
export type AttachOptions = Omit<RelayOptions, OwnServerSettingName | 'tls'> & {
  /** Upgrades on this path (or below it) are the relay's; others are left to the app. Default `/`. */
  path?: string
}

/** A relay attached to an app's own HTTP server; see {@link attachRelay}. */
export interface AttachedRelay {
  on: RelayOn
  stats(): RelayStats
  /** The readiness the app can serve: false from the moment a drain starts. */
  isReady(): boolean
  /** Drains the relay's connections (1001 after the flush) and detaches; the app closes its server. */
  close(): Promise<void>
}

/**
 * Attaches a relay to an existing `http.Server` (and so to Express, Fastify
 * or Hono's node server): WebSocket upgrades on `path` are relayed, with the
 * same options and events as {@link createRelay}; every other request and
 * upgrade stays the app's: another 'upgrade' listener's, or, when there is
 * none, the app's request handler's, as Node would have done. The first
 * request head of each connection must arrive within `handshakeTimeout`.
 *
 * @example
 * const server = http.createServer(app)
 * const relay = attachRelay(server, { path: '/relay', target: '127.0.0.1:5000' })
 * relay.on('connection-close', (c) => console.log(c.bytesToClient))
 * server.listen(8080)
 */
export function attachRelay(
  server: http.Server | https.Server,
  options: AttachOptions,
): AttachedRelay {
  const { path = '/', ...rest } = options
  if (!path.startsWith('/')) {
    throw new RelayError(
      'RELAY_INVALID_OPTION',
      `Invalid option path: "${path}". Expected a path such as /relay.`,
    )
  }
  // The app's server answers its own names: no Host allowlist unless asked for.
  const config = resolveRelayOptions({
    allowHost: ['*'],
    ...rest,
    healthPath: false,
    readyPath: false,
  })
  const core = createRelayCore(config, undefined)
  const unmount = mountRelay(server, {
    path,
    handshakeTimeoutMs: config.handshakeTimeout,
    handle(req, socket, head) {
      // Route names are read below the mount path: /relay/echo names route "echo".
      req.url = originFormOf(req.url)
      if (path !== '/') req.url = req.url.slice(path.length) || '/'
      if (!req.url?.startsWith('/')) req.url = `/${req.url ?? ''}`
      core.handleUpgrade(req, socket, head)
    },
  })
  let closing: Promise<void> | undefined
  return {
    on: core.on,
    stats: core.stats,
    isReady: () => !core.isDraining(),
    close() {
      closing ??= core.drain().then(unmount)
      return closing
    },
  }
}
