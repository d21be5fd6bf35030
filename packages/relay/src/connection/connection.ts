import {
  CloseCode,
  encodeControlMessage,
  fitCloseReason,
  type OpenMessage,
  type RelayControlMessage,
} from '@wsrelay/protocol'
import type { LookupFunction } from 'node:net'
import type { ConnectionLog } from '../observability/connection-log.js'
import type { Redact } from '../observability/redaction.js'
import { logFieldsOf } from '../observability/log-fields.js'
import type { ConnectionStats, Lease } from '../observability/registry.js'
import {
  closeCodeOf,
  REFUSALS,
  type ConnectionRefusalKind,
} from '../refusals.js'
import type { ResolvedRelayOptions } from '../settings/relay-options.js'
import { formatHostPort, transportOf } from '../targets/target-address.js'
import {
  classifyTargetError,
  connectTimeoutFailure,
  type TargetFailure,
} from '../targets/target-failure.js'
import { openLink } from '../targets/open-link.js'
import type { TargetEvents, TargetLink } from '../targets/target-link.js'
import type { ChosenTarget, TargetChoice } from '../targets/target-selection.js'
import type { ConnectionRefusal } from '../upgrade/upgrade-policy.js'
import type {
  ClientEvents,
  ClientLink,
  OpenClientLink,
} from '../websocket/client-link.js'
import type { FrameViolation } from '../websocket/frame-parser.js'
import {
  closeEventOf,
  openEventOf,
  type CloseRecord,
  type ConnectionCloseEvent,
  type ConnectionOpenEvent,
} from './close-record.js'
import {
  illegalMove,
  isLegalMove,
  type ConnectionState,
} from './connection-states.js'
import { DataPath } from './data-path.js'
import { DatagramPump } from './datagram-pump.js'
import {
  Heartbeat,
  IdleWatch,
  StallWatch,
  type HeartbeatPeer,
  type StallPeer,
} from './heartbeat.js'
import { Valve, type WaitWatcher } from './pauses.js'
import { V1Session } from './v1-session.js'

/** The relay settings a connection uses. */
export type ConnectionSettings = Pick<
  ResolvedRelayOptions,
  | 'connectTimeout'
  | 'highWaterMark'
  | 'drainTimeout'
  | 'handshakeTimeout'
  | 'idleTimeout'
  | 'stallTimeout'
  | 'pingInterval'
  | 'pongTimeout'
  | 'udpIdleTimeout'
  | 'maxDatagramSize'
>

/** What a connection needs from the relay around it. */
export interface ConnectionContext {
  readonly settings: ConnectionSettings
  /** The redaction point: every close reason passes it. */
  readonly redact: Redact
  /**
   * Picks the target: `undefined` for raw clients (the URL path decides),
   * the `open` message for v1. `signal` (v1 only) aborts a lookup when the
   * client leaves.
   */
  chooseTarget(
    open: OpenMessage | undefined,
    path: string | undefined,
    clientAddress: string,
    signal: AbortSignal | undefined,
  ): TargetChoice | Promise<TargetChoice>
  /** How the operator's names (fixed target, routes) are looked up when connecting. */
  readonly targetLookup: LookupFunction
  /** A connection to an operator's name failed: look the name up afresh next time. */
  onTargetUnreachable(host: string): void
  /** Called once, when the target is chosen and its connection starts. */
  onOpened(event: ConnectionOpenEvent): void
  /**
   * Called once, when both sockets are done, with the close record; `event`
   * is undefined for a connection that never had a target.
   */
  onClosed(
    connection: Connection,
    close: CloseRecord,
    event: ConnectionCloseEvent | undefined,
  ): void
  /** Called once, when the connection is refused before reaching a target: at the decision, so a scrape after the page saw its close counts it. */
  onRefused(close: CloseRecord): void
  /** Called after every read from either side: the memory budget admits the next read, or pauses this connection. */
  admitRead(connection: Connection): void
  /** How long a refused browser gets to read its close before it is cut: 1 s, none when descriptors run short. */
  refusedGraceMs(): number
}

/** Who the connection is, for logs. */
export interface ConnectionIdentity {
  readonly id: number
  readonly lease: Lease
  readonly path: string | undefined
  /** `raw`: every frame is bytes. `v1`: text frames are control messages (wsrelay.v1). */
  readonly mode: 'raw' | 'v1'
  /** The subprotocol the handshake chose (`''` for none). */
  readonly protocol: string
  readonly log: ConnectionLog
  /** Refused before it starts (origin, token, limit): closed at once with the refusal's code and this reason. */
  readonly refusal?: ConnectionRefusal
}

/** The state timer's callback, shared by every connection (the connection is its argument). */
function stateTimedOut(connection: Connection): void {
  connection.onStateTimeout()
}

/**
 * One browser's WebSocket and its target, owned from accept to close.
 *
 * Every listener is attached the moment a socket exists. The connection
 * moves through the states of `CONNECTION_STATES`, and only through
 * {@link Connection.transition}, which checks each move against the table
 * and starts and stops every timer. Its collaborators each keep one
 * concern: the browser's link (its frames, `websocket/client-link.ts`),
 * the data path (the two bounded pumps), the `wsrelay.v1` session rules,
 * one pause valve per direction, the heartbeat and the idle watch, and the
 * target link (the transport). Closing flushes: bytes the target sent
 * before its FIN reach the browser before the close frame (the socket
 * writes frames in order), and bytes the browser sent before its close
 * frame reach the target before our FIN.
 */
export class Connection
  implements ClientEvents, TargetEvents, HeartbeatPeer, StallPeer, WaitWatcher
{
  private state: ConnectionState = 'accepted'
  private stateTimer: NodeJS.Timeout | undefined
  private link: TargetLink | undefined
  private target: ChosenTarget | undefined
  private close: CloseRecord | undefined
  /** Aborts a target choice still running (a v1 client's DNS lookup) when the connection closes. */
  private choosing: AbortController | undefined
  private readonly startedAt = Date.now()
  private readonly session: V1Session | undefined
  private readonly client: Valve
  private readonly targetValve: Valve
  private readonly data: DataPath
  /** UDP sessions: target → browser without backpressure (drops, counted). */
  private datagrams: DatagramPump | undefined
  private readonly heartbeat: Heartbeat
  private readonly idle: IdleWatch
  private readonly stall: StallWatch
  private readonly browser: ClientLink

  constructor(
    openClient: OpenClientLink,
    private readonly identity: ConnectionIdentity,
    private readonly context: ConnectionContext,
  ) {
    const { settings } = context
    // From this line on, nothing the browser does can emit an unhandled event.
    const browser = (this.browser = openClient(this))
    this.client = new Valve(
      (reason) => {
        // The budget stops before the next read, not after it.
        if (reason === 'budget') browser.stopReading()
        else {
          browser.pause()
          this.data.stats.clientPauses++
        }
      },
      () => {
        browser.resume()
        this.heartbeat.onReadingResumed()
      },
      this,
    )
    this.targetValve = new Valve(
      (reason) => {
        this.link?.pause()
        if (reason === 'peer') this.data.stats.targetPauses++
      },
      () => this.link?.resume(),
      this,
    )
    this.data = new DataPath(
      browser,
      settings.highWaterMark,
      this.client,
      this.targetValve,
      () => this.idle.noteTraffic(),
    )
    this.heartbeat = new Heartbeat(
      settings.pingInterval,
      settings.pongTimeout,
      this,
    )
    this.idle = new IdleWatch(settings.idleTimeout, this)
    this.stall = new StallWatch(settings.stallTimeout, this)
    this.session = identity.mode === 'v1' ? new V1Session() : undefined
    // Binary before a v1 open is refused at its first byte, not once whole.
    if (this.session) browser.streamBinary(true)

    const { refusal } = identity
    if (refusal) this.refuse(refusal.kind, refusal.reason)
    else if (this.session) this.transition('awaitingOpen')
    else {
      this.transition('resolving')
      this.choose(undefined)
    }
  }

  /** The state this connection is in. */
  get currentState(): ConnectionState {
    return this.state
  }

  /** Byte counters, readable while it runs. */
  get stats(): ConnectionStats {
    return this.data.stats
  }

  /** Bytes the relay holds for this connection right now, both directions, read buffers included. */
  get bufferedBytes(): number {
    return (
      this.data.heldBytes +
      this.browser.readableBytes +
      (this.link?.readableBytes ?? 0)
    )
  }

  /**
   * Flushes what is held, closes the browser with 1001, ends the target's
   * side. A connection still choosing its target never gets one.
   */
  shutdown(reason: string): void {
    this.targetValve.pause('shutdown')
    this.closeWith({ code: CloseCode.RELAY_SHUTTING_DOWN, reason, by: 'relay' })
  }

  /** Cuts both sockets at once, dropping anything held. */
  terminate(): void {
    this.browser.terminate()
    this.link?.destroy()
  }

  /** The registry's memory budget: stop (or resume) reading both peers. */
  pauseForBudget(isPaused: boolean): void {
    if (isPaused) {
      this.client.pause('budget')
      this.targetValve.pause('budget')
    } else {
      this.client.resume('budget')
      this.targetValve.resume('budget')
    }
  }

  /**
   * The registry sheds this connection: it waited too long for the memory
   * budget. The close frame goes out, then the socket is cut at once: a
   * peer the relay cannot read would never answer it, and what it holds
   * must be freed now, not after the close timeout.
   */
  shedForBudget(budgetBytes: number): void {
    this.closeWith({
      code: closeCodeOf('memoryBudget'),
      reason: `Relay is at its memory budget (${budgetBytes} bytes) and this connection waited too long to be read. Try again later.`,
      by: 'relay',
      errorCode: REFUSALS.memoryBudget.errorCode,
    })
    this.browser.terminate()
  }

  // ---- the one transition ------------------------------------------------

  /**
   * Moves to `next` if the state table allows it: stops what the state left
   * behind ran, starts what the next one runs. Nothing else starts or
   * clears a timer of this connection.
   */
  private transition(next: ConnectionState): void {
    const from = this.state
    if (!isLegalMove(from, next)) {
      illegalMove(this.identity.id, from, next, (message) =>
        this.identity.log.error(message),
      )
      return
    }
    clearTimeout(this.stateTimer)
    this.stateTimer = undefined
    if (from === 'open') {
      this.idle.stop()
      this.stall.stop()
    }
    this.state = next
    const { settings } = this.context
    switch (next) {
      case 'accepted':
        break
      case 'awaitingOpen':
        this.heartbeat.start()
        this.startTimer(settings.handshakeTimeout)
        break
      case 'resolving':
        this.heartbeat.start()
        break
      case 'connecting':
        this.startTimer(settings.connectTimeout)
        break
      case 'open':
        this.idle.start()
        // A wait that began while connecting (early data) is watched from now.
        if (this.isWaitingForReader()) this.stall.watch()
        break
      case 'closing':
        this.choosing?.abort()
        this.heartbeat.stop()
        this.datagrams?.stop()
        // A refused peer gets a short grace to read its close, not the drain
        // timeout: a crowd of refused clients must not hold the relay's sockets.
        if (this.close?.refused !== undefined)
          this.startTimer(this.context.refusedGraceMs())
        break
      case 'flushing':
        this.choosing?.abort()
        this.heartbeat.stop()
        this.datagrams?.stop()
        // End, not destroy: bytes the browser sent are still queued for the target.
        this.link?.linger(settings.drainTimeout)
        break
      case 'closed':
        // The target has every byte and our FIN; its socket may linger until
        // its own FIN or the link's deadline, but must not keep the process alive.
        this.link?.unref()
        this.data.dropHeld()
        this.identity.lease.release()
        this.context.onClosed(this, this.closeRecord(), this.logClosed())
        break
    }
  }

  /** The one timer of the state (its meaning is the state's: see {@link onStateTimeout}). */
  private startTimer(ms: number): void {
    this.stateTimer = setTimeout(stateTimedOut, ms, this)
    this.stateTimer.unref()
  }

  /** The state's timer ran out: what that means depends on the state. */
  onStateTimeout(): void {
    switch (this.state) {
      case 'awaitingOpen':
        this.violation(
          `No open message within ${this.context.settings.handshakeTimeout} ms.`,
        )
        return
      case 'connecting':
        if (!this.target) return
        this.fail(
          connectTimeoutFailure(
            this.target,
            this.context.settings.connectTimeout,
          ),
        )
        this.link?.destroy()
        return
      case 'closing':
        // A refused browser that did not read its close within the grace.
        this.browser.terminate()
        return
      case 'accepted':
      case 'resolving':
      case 'open':
      case 'flushing':
      case 'closed':
        return // these states run no timer of their own
    }
  }

  // ---- choosing and connecting ----------------------------------------

  /** Chooses the target (raw: now; v1: on `open`) and connects to it. */
  private choose(open: OpenMessage | undefined): void {
    const failed = (err: unknown): void => {
      this.identity.log.error({ err }, 'choosing a target failed')
      this.refuse('internal', 'The relay failed to choose a target.')
    }
    let choice: TargetChoice | Promise<TargetChoice>
    // Only an `open` message may name a host to look up: raw clients need no signal.
    if (open !== undefined) this.choosing = new AbortController()
    try {
      choice = this.context.chooseTarget(
        open,
        this.identity.path,
        this.identity.lease.clientAddress,
        this.choosing?.signal,
      )
    } catch (err) {
      failed(err)
      return
    }
    if (choice instanceof Promise)
      choice.then((chosen) => this.onChosen(chosen), failed)
    else this.onChosen(choice)
  }

  private onChosen(choice: TargetChoice): void {
    // Closed or shutting down meanwhile: no target after a close.
    if (this.state !== 'resolving') return
    if (choice.ok) this.connect(choice.target)
    else if ('failure' in choice) this.refuseFailed(choice.failure)
    else this.refuse(choice.refusal, choice.reason)
  }

  private connect(target: ChosenTarget): void {
    this.target = target
    const { log, path } = this.identity
    log.info(
      logFieldsOf('connection open', {
        target: formatHostPort(target),
        transport: transportOf(target),
        route: target.route,
        address: target.isClientChosen ? target.connectTo : undefined,
        path,
        protocol: this.identity.protocol || undefined,
      }),
      'connection open',
    )
    this.context.onOpened(this.openEvent(target))
    const { settings } = this.context
    // A byte stream needs no message boundaries: payload goes on as it comes.
    if (target.transport !== 'udp') this.browser.streamBinary(true)
    if (target.transport === 'udp') {
      this.datagrams = new DatagramPump(
        this.browser,
        settings.highWaterMark,
        this.data.stats,
        this.targetValve,
        () => this.idle.noteTraffic(),
        this.session
          ? (totals) =>
              this.sendControl({ type: 'notice', kind: 'dropped', ...totals })
          : undefined,
      )
      // UDP has no close: a session to a server that went away ends here.
      this.idle.retune(
        settings.udpIdleTimeout,
        (ms) => `No datagram either way for ${ms} ms (--udp-idle-timeout).`,
      )
    }
    this.link = openLink(target, this.context.targetLookup, this, settings)
    this.transition('connecting')
    if (this.targetValve.isPaused) this.link.pause()
    // Early data goes out behind the handshake, in order; the socket buffers it.
    this.data.attach(this.link)
    if (this.session?.hasClientEnded) this.link.end()
  }

  private openEvent(target: ChosenTarget): ConnectionOpenEvent {
    const { id, lease, mode } = this.identity
    return openEventOf(id, lease.clientAddress, mode, target)
  }

  // ---- the target -----------------------------------------------------

  onTargetConnect(): void {
    if (this.state !== 'connecting') return
    this.transition('open')
    this.identity.log.debug('target connected')
    const target = this.target
    if (!this.session || !target) return
    // Only a client-chosen target is echoed back with its address; a route or
    // the fixed target is the operator's, and /routes never shows addresses.
    this.sendControl({
      type: 'connected',
      ...(target.route ? { route: target.route } : {}),
      ...(target.isClientChosen
        ? {
            host: target.host,
            port: target.port,
            address: this.link?.remoteAddress ?? target.connectTo,
          }
        : {}),
      ...(target.transport === 'udp' ? { transport: target.transport } : {}),
    })
  }

  onTargetData(chunk: Buffer, headroom: number): boolean {
    const isHeld = this.datagrams
      ? this.datagrams.fromTarget(chunk)
      : this.data.fromTarget(chunk, headroom)
    this.context.admitRead(this)
    return isHeld
  }

  onTargetEnd(): void {
    if (!this.session) {
      this.closeWith({
        code: CloseCode.NORMAL_CLOSURE,
        reason: this.targetClosedReason(),
        by: 'relay',
      })
      return
    }
    // Half-close: tell the browser (after every byte before it), keep its direction open.
    const isBothEnded = this.session.onTargetEnd()
    this.sendControl({ type: 'end' })
    if (isBothEnded) this.closeBothEnded()
  }

  onTargetError(err: Error): void {
    if (!this.target) return
    if (this.state === 'connecting' && !this.target.isClientChosen)
      this.context.onTargetUnreachable(this.target.host)
    this.fail(
      classifyTargetError(
        err,
        this.target,
        this.state === 'connecting' ? 'connect' : 'stream',
      ),
    )
  }

  onTargetFinish(): void {
    this.maybeClosed()
  }

  onTargetClose(): void {
    // A close without FIN or error (destroyed locally) still ends the session.
    this.closeWith({
      code: CloseCode.NORMAL_CLOSURE,
      reason: this.targetClosedReason(),
      by: 'relay',
    })
    this.maybeClosed()
  }

  private targetClosedReason(): string {
    const name = this.target?.transport === 'udp' ? 'UDP' : 'TCP'
    return this.target
      ? `${name} target ${formatHostPort(this.target)} closed the connection.`
      : 'The TCP target closed the connection.'
  }

  // ---- the browser ----------------------------------------------------

  onClientRead(): void {
    this.context.admitRead(this)
  }

  /** Binary payload: a whole message (until the target is a byte stream), or a slice as it arrives. */
  onClientBinary(bytes: Buffer): void {
    if (this.close?.isRejection) return
    if (this.session) {
      const broken = this.session.checkData()
      if (broken !== undefined) {
        this.violation(broken)
        return
      }
    }
    // Held (bounded) while the target is chosen; dropped when there will be none.
    this.data.fromClient(bytes, this.state === 'resolving')
  }

  /** A whole text message: a control message (v1) or bytes for the target (raw). */
  onClientText(bytes: Buffer): void {
    if (this.close?.isRejection) return
    if (this.session) this.onControlMessage(bytes)
    else this.data.fromClient(bytes, this.state === 'resolving')
  }

  onClientPing(payload: Buffer): void {
    // A browser that pings but never reads the pongs: stop reading it.
    if (this.data.sendPong(payload)) this.client.pause('pongs')
  }

  private onControlMessage(bytes: Buffer): void {
    const step = this.session?.onControl(bytes.toString('utf8'))
    switch (step?.kind) {
      case undefined:
        return
      case 'violation':
        this.violation(step.reason)
        return
      case 'open':
        if (this.state !== 'awaitingOpen') return // closing already: open nothing
        // Until the target is known, binary messages are gathered whole: a
        // datagram target sends each as one datagram, early data included.
        this.browser.streamBinary(false)
        this.transition('resolving')
        this.choose(step.open)
        return
      case 'pong':
        // A browser that pings but never reads the pongs: stop reading it.
        if (
          this.sendControl({ type: 'pong', id: step.ping.id, ts: step.ping.ts })
        )
          this.client.pause('pongs')
        return
      case 'end':
        this.idle.noteTraffic()
        // FIN after every byte already written; the target may keep sending.
        this.link?.end()
        if (step.isBothEnded) this.closeBothEnded()
        return
    }
  }

  private sendControl(message: RelayControlMessage): boolean {
    return this.data.sendText(encodeControlMessage(message))
  }

  private closeBothEnded(): void {
    this.closeWith({
      code: CloseCode.NORMAL_CLOSURE,
      reason: 'Both sides ended.',
      by: 'relay',
    })
  }

  /** A v1 rule broken: say which in a 1008 close, and take nothing more from this client. */
  private violation(reason: string): void {
    if (!this.target) {
      this.refuse('controlInvalid', reason)
      return
    }
    const { errorCode } = REFUSALS.controlInvalid
    this.identity.log.warn({ errorCode }, `protocol violation: ${reason}`)
    this.closeWith({
      code: closeCodeOf('controlInvalid'),
      reason,
      by: 'relay',
      errorCode,
      isRejection: true,
    })
  }

  // ---- the heartbeat and the idle watch (the connection is their peer) ----

  isBrowserOpen(): boolean {
    return this.browser.isOpen
  }

  pingBrowser(): void {
    this.browser.ping()
  }

  isBrowserPausedByUs(): boolean {
    return this.client.isPaused
  }

  onClientPong(): void {
    this.heartbeat.onPong()
  }

  onIdle(reason: string): void {
    this.closeWith({ code: CloseCode.IDLE_TIMEOUT, reason, by: 'relay' })
  }

  // ---- the stall watch (the connection is its peer) ----------------------

  /** A valve began to wait for the other side to read: the stall watch runs while it waits. */
  onWaitForReader(): void {
    if (this.state === 'open') this.stall.watch()
  }

  isWaitingForReader(): boolean {
    return (
      this.client.has('peer') ||
      this.client.has('pongs') ||
      this.targetValve.has('peer')
    )
  }

  bytesMoved(): number {
    const { stats } = this.data
    return (
      stats.bytesToTarget -
      (this.link?.pendingBytes ?? 0) +
      stats.bytesToClient -
      this.browser.bufferedAmount
    )
  }

  onStalled(reason: string): void {
    this.identity.log.warn(
      { closeCode: CloseCode.SESSION_STALLED },
      `session stalled: ${reason}`,
    )
    this.closeWith({ code: CloseCode.SESSION_STALLED, reason, by: 'relay' })
  }

  onBrowserUnresponsive(reason: string): void {
    this.identity.log.warn(
      { closeCode: CloseCode.PEER_UNRESPONSIVE },
      `browser unresponsive: ${reason}`,
    )
    this.close ??= { code: CloseCode.PEER_UNRESPONSIVE, reason, by: 'relay' }
    // A vanished peer will never read a close frame: cut it; 'close' ends the target side.
    this.browser.terminate()
  }

  onClientClose(code: number, reason: string): void {
    this.close ??= { code, reason, by: 'client' }
    this.transition('flushing')
    this.maybeClosed()
  }

  /** The browser broke RFC 6455 or a limit: the link answers with the code and reason; log only. */
  onClientViolation(violation: FrameViolation): void {
    this.identity.log.debug(
      { err: violation.reason, wsCode: violation.errorCode },
      'websocket error',
    )
    // That close is the relay's: record it now, or a client that never
    // echoes it would be logged as its own 1006. The reason is the one the
    // link sent (the parser's own words, never the client's bytes).
    if (!this.isBrowserGone)
      this.close ??= {
        code: violation.code,
        reason: fitCloseReason(violation.reason),
        by: 'relay',
      }
  }

  onClientError(err: Error): void {
    // The link destroys the socket and reports its close; log only.
    this.identity.log.debug({ err: err.message }, 'websocket socket error')
  }

  // ---- closing --------------------------------------------------------

  /** Refused before reaching a target: the catalogue gives the code, error code and metric. */
  private refuse(kind: ConnectionRefusalKind, reason: string): void {
    const { errorCode, metric } = REFUSALS[kind]
    this.refuseWith({
      code: closeCodeOf(kind),
      reason,
      by: 'relay',
      errorCode,
      refused: metric,
    })
  }

  /** Refused because the target could not be resolved (a target failure before a connection). */
  private refuseFailed(failure: TargetFailure): void {
    this.refuseWith({
      code: failure.closeCode,
      reason: failure.closeReason,
      by: 'relay',
      errorCode: failure.error.code,
      refused: 'target',
    })
  }

  /** Logs the refusal and closes; nothing more is taken from this browser. */
  private refuseWith(record: CloseRecord): void {
    if (this.close) return
    this.identity.log.warn(
      logFieldsOf('connection refused', {
        closeCode: record.code,
        errorCode: record.errorCode,
        path: this.identity.path,
      }),
      `connection refused: ${record.reason}`,
    )
    this.context.onRefused(record)
    this.closeWith({ ...record, isRejection: true })
  }

  private fail(failure: TargetFailure): void {
    this.identity.log.warn(
      { errorCode: failure.error.code },
      failure.error.message,
    )
    this.closeWith({
      code: failure.closeCode,
      reason: failure.closeReason,
      by: 'relay',
      errorCode: failure.error.code,
    })
  }

  /**
   * The relay closes: the close frame goes out behind every data frame
   * already queued (the socket writes in order); the target's side is ended
   * when the browser's close reply arrives. The link cuts a browser that
   * does not reply within `drainTimeout`.
   */
  private closeWith(record: CloseRecord): void {
    if (this.close || this.isBrowserGone) return
    this.close = {
      ...record,
      reason: fitCloseReason(this.context.redact(record.reason)),
    }
    this.transition('closing')
    // Read the peer's close reply; a budget pause stays (reading needs a grant).
    this.client.resume('early', 'pongs')
    this.browser.close(this.close.code, this.close.reason)
  }

  /** True once the browser's side is closed. */
  private get isBrowserGone(): boolean {
    return this.state === 'flushing' || this.state === 'closed'
  }

  /** Done once the browser side is closed and the target has every byte and our FIN. */
  private maybeClosed(): void {
    if (this.state !== 'flushing') return
    if (this.link && !this.link.isFinished) return
    this.transition('closed')
  }

  private closeRecord(): CloseRecord {
    return (
      this.close ?? { code: CloseCode.NORMAL_CLOSURE, reason: '', by: 'relay' }
    )
  }

  /** Logs the closed line and returns it as the event; nothing for a connection that never had a target. */
  private logClosed(): ConnectionCloseEvent | undefined {
    if (!this.target) return undefined // refused: its warning said everything
    const event = closeEventOf(
      this.openEvent(this.target),
      this.closeRecord(),
      this.data.stats,
      Date.now() - this.startedAt,
    )
    this.identity.log.info(
      logFieldsOf('connection closed', event),
      'connection closed',
    )
    return event
  }
}
