import type http from 'node:http'
import type { Duplex } from 'node:stream'
import { isSupportedSubprotocol } from '@wsrelay/protocol'
import { WebSocketServer, type WebSocket } from 'ws'
import { Connection, type ConnectionContext } from '../connection/connection.js'
import { relayWebSocketClass } from '../connection/relay-websocket.js'
import {
  answerUpgradeRefusal,
  REFUSED_SOCKET_GRACE_MS,
} from '../http/http-answers.js'
import { createRequestHandler } from '../http/http-endpoints.js'
import { createStaticHandler } from '../http/static-files.js'
import { logFieldsOf } from '../observability/log-fields.js'
import { redactingLogger } from '../observability/logger.js'
import { createRedactor } from '../observability/redaction.js'
import { createRelayMetrics } from '../observability/metrics.js'
import {
  BUDGET_SHED_AFTER_MS,
  ConnectionRegistry,
  type Lease,
  type RegistrySnapshot,
} from '../observability/registry.js'
import { REFUSALS } from '../refusals.js'
import { clampToFdLimit, openFileLimit } from '../settings/fd-limit.js'
import type { ResolvedRelayOptions } from '../settings/relay-options.js'
import { createLookupQueue, createTargetNames } from '../targets/resolver.js'
import { targetForOpen, targetForPath } from '../targets/target-selection.js'
import { createHostAllowlist } from '../upgrade/host-allowlist.js'
import {
  decideUpgrade,
  type ConnectionRefusal,
} from '../upgrade/upgrade-policy.js'
import { createDescriptorGuard } from './descriptors.js'
import { createRelayEvents } from './relay-events.js'

/** Counters across the relay, from its connection registry. */
export type RelayStats = Omit<RegistrySnapshot, 'totals'> &
  RegistrySnapshot['totals']

/** Turns the registry's snapshot into the flat stats object. */
export const statsOf = (snapshot: RegistrySnapshot): RelayStats => {
  const { totals, ...rest } = snapshot
  return { ...rest, ...totals }
}

// The browser's hint for 1001 adds "Reconnect in a few seconds."
const SHUTDOWN_REASON = 'Relay shutting down.'

/** A lease for a connection refused before admission: nothing to give back. */
const NO_LEASE = (clientAddress: string): Lease => ({
  clientAddress,
  release: () => undefined,
})

/**
 * The relay without a server: what to do with an upgrade and with a plain
 * request, the registry, the events and the drain. `createRelay` gives it a
 * server of its own; `attachRelay` hands it an app's upgrades.
 */
export function createRelayCore(
  resolved: ResolvedRelayOptions,
  /** The host the relay's own server listens on; undefined for an app's server. */
  listenHost: string | undefined,
) {
  // Past the open-file limit, accept() fails with EMFILE and clients get a
  // reset instead of the 1013 the limit promises: whoever owns the server.
  // The one redaction point: every log line, HTTP answer and close reason.
  const redact = createRedactor([resolved.token])
  const config = {
    ...resolved,
    logger: redactingLogger(resolved.logger, redact),
    maxConnections: clampToFdLimit(
      resolved.maxConnections,
      resolved.given.has('maxConnections'),
      listenHost,
      resolved.logger,
    ),
  }
  const log = config.logger
  const registry = new ConnectionRegistry<Connection>({
    maxConnections: config.maxConnections,
    maxConnectionsPerIp: config.maxConnectionsPerIp,
    memoryBudget: config.memoryBudget,
    budgetShedAfterMs: BUDGET_SHED_AFTER_MS,
  })
  const snapshot = () => registry.snapshot()
  const metrics = config.metrics ? createRelayMetrics(snapshot) : undefined
  const hosts = createHostAllowlist(config.listen.host, config.allowHost)
  const events = createRelayEvents(log)
  const fdLimit = openFileLimit()
  const descriptors = createDescriptorGuard(fdLimit)
  /** How long a refused socket may linger: none when descriptors run short. */
  const refusedGraceMs = (): number =>
    descriptors.isTight() ? 0 : REFUSED_SOCKET_GRACE_MS
  // Client-chosen names through one bounded queue; the operator's names
  // apart, looked up now and cached, so no client can make them wait.
  const lookups = createLookupQueue(config.resolveHost, {
    maxLookups: config.maxLookups,
    maxLookupsPerIp: config.maxLookupsPerIp,
    timeoutMs: config.dnsTimeout,
  })
  const targetNames = createTargetNames()
  void targetNames.warm(
    [config.target, ...config.route.values()].flatMap((t) =>
      t === undefined ? [] : [t.host],
    ),
  )
  let isDraining = false
  let nextId = 1
  let onEmpty: (() => void) | undefined

  const wss = new WebSocketServer({
    noServer: true,
    clientTracking: false,
    maxPayload: config.maxMessageSize,
    // Off: compression costs CPU per byte and opens the relay to zip bombs.
    perMessageDeflate: false,
    // ws 8.18+: a peer that does not answer our close frame is cut after
    // this (default 30 s); @types/ws does not list it yet.
    ...({ closeTimeout: config.drainTimeout } as object),
    WebSocket: relayWebSocketClass(config.maxMessageSize),
    // The client's preference order; never the token entry.
    handleProtocols: (protocols) => {
      for (const p of protocols) if (isSupportedSubprotocol(p)) return p
      return false
    },
  })

  const context = (
    path: string | undefined,
    clientAddress: string,
  ): ConnectionContext => ({
    settings: config,
    redact,
    chooseTarget: (open, signal) =>
      open === undefined
        ? targetForPath(config, path)
        : targetForOpen(
            config,
            open,
            path,
            lookups.forClient(clientAddress),
            signal,
          ),
    targetLookup: targetNames.connectLookup,
    onTargetUnreachable: targetNames.forget,
    onOpened: (event) => events.emit('connection-open', event),
    onClosed: (connection, close, event) => {
      registry.remove(connection)
      if (event) events.emit('connection-close', event)
      metrics?.closed(close.code)
      if (registry.live.size === 0) onEmpty?.()
    },
    onRefused: (close) => {
      if (close.refused !== undefined) metrics?.refused(close.refused)
    },
    admitRead: (connection) => registry.admitRead(connection),
    refusedGraceMs,
  })

  const onConnection = (
    ws: WebSocket,
    path: string | undefined,
    clientAddress: string,
    mode: 'raw' | 'v1',
    policyRefusal: ConnectionRefusal | undefined,
  ): void => {
    const id = nextId++
    const connLog = log.child({ conn: id, client: clientAddress })
    let refusal = policyRefusal
    let lease = NO_LEASE(clientAddress)
    if (!refusal && descriptors.isTight()) {
      refusal = {
        kind: 'fdLimit',
        reason: `Relay is at its open-file limit (${fdLimit ?? '?'}). Try again later.`,
      }
    }
    if (!refusal) {
      const admitted = registry.admit(clientAddress)
      if (admitted.ok) lease = admitted.lease
      else refusal = { kind: 'overloaded', reason: admitted.reason }
    }
    const connection = new Connection(
      ws,
      { id, lease, path, mode, log: connLog, refusal },
      context(path, clientAddress),
    )
    if (!refusal) registry.add(connection)
  }

  const handleUpgrade = (
    req: http.IncomingMessage,
    socket: Duplex,
    head: Buffer,
  ): void => {
    // ws installs its own handler once the handshake completes; until then a
    // reset from the client must not become an unhandled 'error'.
    socket.on('error', (err) =>
      log.debug({ err: err.message }, 'upgrade socket error'),
    )

    const decision = decideUpgrade(req, {
      config,
      hosts,
      isDraining: () => isDraining,
    })
    if (decision.kind === 'reject') {
      const { errorCode, metric, answer } = REFUSALS[decision.refusal]
      metrics?.refused(metric)
      log.warn(
        {
          client: decision.clientAddress,
          ...logFieldsOf('upgrade refused', {
            status: answer.status,
            errorCode,
            host: req.headers.host,
          }),
        },
        `upgrade refused: ${decision.message}`,
      )
      answerUpgradeRefusal(
        socket,
        answer.status,
        redact(decision.message),
        refusedGraceMs(),
      )
      return
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      onConnection(
        ws,
        req.url,
        decision.clientAddress,
        decision.mode,
        decision.refusal,
      )
    })
  }

  const handleRequest = createRequestHandler({
    config,
    hosts,
    metrics,
    serveStatic: config.web ? createStaticHandler(config.web) : undefined,
    snapshot,
    isDraining: () => isDraining,
    log,
    redact,
  })

  /** Drains every connection: 1001 after the flush, cut after the drain timeout. */
  const drain = async (): Promise<void> => {
    isDraining = true
    const emptied = new Promise<void>((resolve) => {
      onEmpty = resolve
      if (registry.live.size === 0) resolve()
    })
    for (const connection of registry.live) connection.shutdown(SHUTDOWN_REASON)
    const deadline = setTimeout(() => {
      for (const connection of registry.live) connection.terminate()
    }, config.drainTimeout)
    await emptied
    clearTimeout(deadline)
    registry.stop()
  }

  return {
    config,
    handleUpgrade,
    handleRequest,
    drain,
    stats: () => statsOf(snapshot()),
    /** Counts a socket the relay's own server accepted, until it closes. */
    trackSocket: descriptors.track,
    refusedGraceMs,
    on: events.on,
    isDraining: () => isDraining,
  }
}
