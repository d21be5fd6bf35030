import type http from 'node:http'
import type { Registry } from 'prom-client'
import type { Duplex } from 'node:stream'
import { isSupportedSubprotocol } from '@wsrelay/protocol'
import { Connection, type ConnectionContext } from '../connection/connection.js'
import {
  answerUpgradeRefusal,
  REFUSED_SOCKET_GRACE_MS,
} from '../http/http-answers.js'
import { createRequestHandler } from '../http/http-endpoints.js'
import { createStaticHandler } from '../http/static-files.js'
import { ConnectionLog } from '../observability/connection-log.js'
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
import { WebSocketLink } from '../websocket/client-link.js'
import { createHandshake, type Upgraded } from '../websocket/handshake.js'
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

/** For a choice no client can abandon (the connection passes its own signal for lookups). */
const NEVER_ABORTED = new AbortController().signal

/** A lease for a connection refused before admission: nothing to give back. */
const NO_LEASE = (clientAddress: string): Lease => ({
  clientAddress,
  release: () => undefined,
})

/** One lease that gives back both: the primary's count and this process's own. */
const joinLeases = (shared: Lease, local: Lease): Lease => ({
  clientAddress: local.clientAddress,
  release: () => {
    local.release()
    shared.release()
  },
})

/** Admits one connection for several processes at once (the `--workers` primary counts them). */
export interface SharedAdmission {
  /** Admits a connection from `clientAddress` across every process, or says why not (close 1013). */
  admit(
    clientAddress: string,
  ): Promise<{ ok: true; lease: Lease } | { ok: false; reason: string }>
  /** How many processes share the relay: each holds this share of the memory budget. */
  readonly processes: number
}

/** `/metrics` for several processes: every worker's registry, aggregated by the primary. */
export interface SharedMetrics {
  /** This process's registry joins the aggregate. */
  share(registry: Registry): void
  /** The aggregate exposition, from the primary. */
  readonly text: () => Promise<string>
}

/** What a relay that is one of several processes (`--workers`) gets from the process that runs them. */
export interface CoreHooks {
  readonly admission?: SharedAdmission
  readonly metrics?: SharedMetrics
}

/**
 * The relay without a server: what to do with an upgrade and with a plain
 * request, the registry, the events and the drain. `createRelay` gives it a
 * server of its own; `attachRelay` hands it an app's upgrades.
 */
export function createRelayCore(
  resolved: ResolvedRelayOptions,
  /** The host the relay's own server listens on; undefined for an app's server. */
  listenHost: string | undefined,
  hooks: CoreHooks = {},
) {
  const { admission } = hooks
  // The one redaction point: every log line, HTTP answer and close reason.
  const redact = createRedactor([resolved.token])
  // Past the open-file limit, accept() fails with EMFILE and clients get a
  // reset instead of the 1013 the limit promises: whoever owns the server.
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
  // With workers, the connection limits are counted by the primary
  // (admission) and each process keeps its share of the memory budget.
  const registry = new ConnectionRegistry<Connection>({
    maxConnections: config.maxConnections,
    maxConnectionsPerIp: admission ? 0 : config.maxConnectionsPerIp,
    memoryBudget: Math.floor(config.memoryBudget / (admission?.processes ?? 1)),
    budgetShedAfterMs: BUDGET_SHED_AFTER_MS,
  })
  const snapshot = () => registry.snapshot()
  const ownMetrics = config.metrics ? createRelayMetrics(snapshot) : undefined
  if (ownMetrics) hooks.metrics?.share(ownMetrics.registry)
  const metrics =
    ownMetrics && hooks.metrics
      ? { ...ownMetrics, text: hooks.metrics.text }
      : ownMetrics
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

  // The client's preference order; never the token entry.
  const handshake = createHandshake((protocols) => {
    for (const p of protocols) if (isSupportedSubprotocol(p)) return p
    return false
  })

  // One context for every connection: nothing per connection but its own state.
  const context: ConnectionContext = {
    settings: config,
    redact,
    chooseTarget: (open, path, clientAddress, signal) =>
      open === undefined
        ? targetForPath(config, path)
        : targetForOpen(
            config,
            open,
            path,
            lookups.forClient(clientAddress),
            signal ?? NEVER_ABORTED,
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
  }

  /** One listener for every socket between its upgrade and its connection. */
  const onUpgradeError = (err: Error): void =>
    log.debug({ err: err.message }, 'upgrade socket error')

  const onConnection = (
    upgraded: Upgraded,
    path: string | undefined,
    clientAddress: string,
    mode: 'raw' | 'v1',
    policyRefusal: ConnectionRefusal | undefined,
  ): void => {
    let refusal = policyRefusal
    if (!refusal && descriptors.isTight()) {
      refusal = {
        kind: 'fdLimit',
        reason: `Relay is at its open-file limit (${fdLimit ?? '?'}). Try again later.`,
      }
    }
    if (!refusal && admission) {
      // The socket waits, paused, while the primary counts it: bytes the
      // browser sends stay in the socket until the connection reads them.
      admission.admit(clientAddress).then(
        (admitted) => {
          if (upgraded.socket.destroyed) {
            if (admitted.ok) admitted.lease.release()
            return
          }
          const local = admitted.ok ? registry.admit(clientAddress) : admitted
          if (admitted.ok && !local.ok) admitted.lease.release()
          start(
            upgraded,
            path,
            clientAddress,
            mode,
            local.ok ? undefined : { kind: 'overloaded', reason: local.reason },
            admitted.ok && local.ok
              ? joinLeases(admitted.lease, local.lease)
              : undefined,
          )
        },
        (err: unknown) => {
          log.error({ err }, 'admission failed')
          upgraded.socket.destroy()
        },
      )
      return
    }
    let lease: Lease | undefined
    if (!refusal) {
      const admitted = registry.admit(clientAddress)
      if (admitted.ok) lease = admitted.lease
      else refusal = { kind: 'overloaded', reason: admitted.reason }
    }
    start(upgraded, path, clientAddress, mode, refusal, lease)
  }

  const start = (
    upgraded: Upgraded,
    path: string | undefined,
    clientAddress: string,
    mode: 'raw' | 'v1',
    refusal: ConnectionRefusal | undefined,
    admitted: Lease | undefined,
  ): void => {
    const id = nextId++
    const connLog = new ConnectionLog(log, id, clientAddress)
    const lease = admitted ?? NO_LEASE(clientAddress)
    const connection = new Connection(
      (clientEvents) =>
        new WebSocketLink(
          upgraded.socket,
          upgraded.head,
          {
            maxMessageSize: config.maxMessageSize,
            // A browser that does not answer our close frame is cut after this.
            closeTimeout: config.drainTimeout,
          },
          clientEvents,
        ),
      {
        id,
        lease,
        path,
        mode,
        protocol: upgraded.protocol,
        log: connLog,
        refusal,
      },
      context,
    )
    if (!refusal) registry.add(connection)
    upgraded.socket.off('error', onUpgradeError) // the connection's own listens now
    // Admitted by the primary after this process began to drain.
    if (isDraining && !refusal) connection.shutdown(SHUTDOWN_REASON)
  }

  const handleUpgrade = (
    req: http.IncomingMessage,
    socket: Duplex,
    head: Buffer,
  ): void => {
    // The connection installs its own handler once it exists; until then a
    // reset from the client must not become an unhandled 'error'.
    socket.on('error', onUpgradeError)

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
    handshake(req, socket, head, (upgraded) => {
      onConnection(
        upgraded,
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
