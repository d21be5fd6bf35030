import net from 'node:net'
import {
  CloseCode,
  encodeControlMessage,
  fitCloseReason,
  parseClientMessage,
  type OpenMessage,
  type RelayControlMessage,
} from '@wsrelay/protocol'
import { WebSocket, type RawData } from 'ws'
import type { RelayErrorCode } from '../errors.js'
import type { Logger } from '../observability/logger.js'
import type { RefusalReason } from '../observability/metrics.js'
import type { ResolvedRelayOptions } from '../settings/relay-options.js'
import type { Lease } from '../observability/registry.js'
import { receiverHeldBytes } from './relay-websocket.js'
import { formatHostPort } from '../targets/target-address.js'
import {
  classifyTargetError,
  connectTimeoutFailure,
  type TargetFailure,
} from '../targets/target-failure.js'
import type { ChosenTarget, TargetChoice } from '../targets/target-selection.js'

/**
 * Where a connection is in its life. `choosing`: a `wsrelay.v1` client has
 * not sent `open` yet, or its target is being resolved. `connecting`: the TCP
 * handshake runs. `open`: bytes flow. `closing`: a close was decided (by
 * either side) and what is held is flushing. `closed`: both sockets are done.
 */
export type ConnectionPhase =
  'choosing' | 'connecting' | 'open' | 'closing' | 'closed'

/** Byte counters of one connection, readable while it runs. */
export interface ConnectionStats {
  bytesToTarget: number
  bytesToClient: number
  /** Most bytes held at once waiting for the browser to read. */
  peakPendingToClient: number
  /** Most bytes held at once waiting for the target to read. */
  peakPendingToTarget: number
  /** Times target reads were paused because the browser was slow. */
  targetPauses: number
  /** Times browser reads were paused because the target (or the browser's own reading) was slow. */
  clientPauses: number
}

/** What the relay tells an embedding app when a connection reaches its target. */
export interface ConnectionOpenEvent {
  readonly id: number
  readonly client: string
  /** host:port as asked for (client-chosen) or as configured. */
  readonly target: string
  readonly route?: string
  readonly protocol: 'raw' | 'v1'
}

/** What the relay tells an embedding app when a connection has ended. */
export interface ConnectionCloseEvent extends ConnectionOpenEvent {
  readonly closeCode: number
  readonly errorCode?: RelayErrorCode
  readonly reason: string
  readonly by: 'client' | 'relay'
  readonly bytesToTarget: number
  readonly bytesToClient: number
  readonly durationMs: number
}

/** The relay settings a connection uses. */
export type ConnectionSettings = Pick<
  ResolvedRelayOptions,
  | 'connectTimeout'
  | 'highWaterMark'
  | 'drainTimeout'
  | 'handshakeTimeout'
  | 'idleTimeout'
  | 'pingInterval'
  | 'pongTimeout'
>

/** What a connection needs from the relay around it. */
export interface ConnectionContext {
  readonly settings: ConnectionSettings
  /** Picks the target: `undefined` for raw clients (the URL path decides), the `open` message for v1. */
  chooseTarget(
    open: OpenMessage | undefined,
  ): TargetChoice | Promise<TargetChoice>
  /** Called once, when the target is chosen and the TCP connection starts. */
  onOpened(event: ConnectionOpenEvent): void
  /** Called once, when both sockets are done; `event` is undefined for a connection that never had a target. */
  onClosed(
    connection: Connection,
    event: ConnectionCloseEvent | undefined,
  ): void
  /** Called once for a connection refused before it reached a target. */
  onRefused(reason: RefusalReason): void
}

/** Who the connection is, for logs. */
export interface ConnectionIdentity {
  readonly id: number
  readonly lease: Lease
  readonly path: string | undefined
  /** `raw`: every frame is bytes. `v1`: text frames are control messages (wsrelay.v1). */
  readonly mode: 'raw' | 'v1'
  readonly log: Logger
  /** Refused before it starts (origin, token, limit): closed at once with this code and reason. */
  readonly refusal?: ConnectionRefusal
}

/** Why an accepted WebSocket is closed at once, before any target is chosen. */
export interface ConnectionRefusal {
  readonly code: number
  readonly reason: string
  readonly why: RefusalReason
  readonly errorCode: RelayErrorCode
}

/** Why reading one side is paused; several may hold at once. */
const PAUSED_BY_PEER = 1 // the other side is not taking bytes fast enough
const PAUSED_BY_BUDGET = 2 // the relay is at its memory budget
const PAUSED_EARLY = 4 // v1: data arrived before the target was chosen
const PAUSED_BY_PONGS = 8 // v1: the browser sends pings but does not read the pongs
const PAUSED_BY_SHUTDOWN = 16 // the relay is draining: no new target bytes

const SEND_BINARY = { binary: true } as const
/** 1 s for a refused peer to read its close frame before it is cut. */
const REFUSED_CLOSE_GRACE_MS = 1000

/**
 * One browser's WebSocket and its TCP connection, owned from accept to close.
 *
 * Every listener is attached the moment the socket exists, every queue is
 * bounded by `highWaterMark` (past it the relay stops reading the side
 * that fills it), and one function, {@link transition}, moves between
 * phases, starting and clearing their timers. Closing flushes: bytes the
 * target sent before its FIN reach the browser before the close frame (ws
 * writes frames in order), and bytes the browser sent before its close frame
 * reach the target before our FIN.
 */
export class Connection {
  readonly stats: ConnectionStats = {
    bytesToTarget: 0,
    bytesToClient: 0,
    peakPendingToClient: 0,
    peakPendingToTarget: 0,
    targetPauses: 0,
    clientPauses: 0,
  }
  private phaseValue: ConnectionPhase = 'choosing'
  private tcp: net.Socket | undefined
  private target: ChosenTarget | undefined
  private readonly startedAt = Date.now()
  private readonly hwm: number
  private clientPaused = 0
  private targetPaused = 0
  /** v1 messages that arrived behind `open`, before the target was chosen. */
  private early: Buffer[] = []
  private earlyBytes = 0
  private hasOpen = false
  /** v1: the client sent `end`. */
  private hasClientEnded = false
  /** The target sent FIN. */
  private hasTargetEnded = false
  /** A protocol violation is being closed: take nothing more from this client. */
  private isRejecting = false
  private isWsClosed = false
  /** Our TCP write side is done (every byte and the FIN went out) or never existed. */
  private isTcpFinished = true
  private close:
    | {
        code: number
        reason: string
        by: 'client' | 'relay'
        errorCode?: RelayErrorCode
      }
    | undefined
  private phaseTimer: NodeJS.Timeout | undefined
  private heartbeatTimer: NodeJS.Timeout | undefined
  private pongTimer: NodeJS.Timeout | undefined
  private idleTimer: NodeJS.Timeout | undefined
  private lingerTimer: NodeJS.Timeout | undefined
  /** Set on every chunk; the idle check clears it (cheaper than a clock read per chunk). */
  private sawTraffic = false

  constructor(
    private readonly ws: WebSocket,
    private readonly identity: ConnectionIdentity,
    private readonly context: ConnectionContext,
  ) {
    this.hwm = context.settings.highWaterMark
    // From this line on, nothing the browser does can emit an unhandled event.
    ws.on('error', this.onClientError)
    ws.on('message', this.onClientMessage)
    ws.on('close', this.onClientClose)
    ws.on('pong', this.onPong)
    const { pingInterval } = context.settings
    if (pingInterval > 0) {
      this.heartbeatTimer = setInterval(this.onHeartbeat, pingInterval)
      this.heartbeatTimer.unref()
    }
    this.enter('choosing')
    const { refusal } = identity
    if (refusal) {
      this.isRejecting = true
      this.refuse(refusal.code, refusal.reason, refusal.why, refusal.errorCode)
    } else if (identity.mode === 'raw') this.choose(undefined)
  }

  /** The phase this connection is in. */
  get phase(): ConnectionPhase {
    return this.phaseValue
  }

  /** The close code this connection ended (or is ending) with. */
  get closeCode(): number | undefined {
    return this.close?.code
  }

  /** Bytes the relay holds for this connection right now, both directions. */
  get bufferedBytes(): number {
    return (
      this.ws.bufferedAmount +
      (this.tcp?.writableLength ?? 0) +
      this.earlyBytes +
      receiverHeldBytes(this.ws)
    )
  }

  /**
   * Flushes what is held, closes the browser with 1001, ends the TCP side.
   * A connection still choosing its target never gets one.
   */
  shutdown(reason: string): void {
    this.pauseTarget(PAUSED_BY_SHUTDOWN)
    this.beginClose(CloseCode.RELAY_SHUTTING_DOWN, reason)
  }

  /** Cuts both sockets at once, dropping anything held. */
  terminate(): void {
    this.ws.terminate()
    this.tcp?.destroy()
  }

  /** The registry's memory budget: stop (or resume) reading both peers. */
  pauseForBudget(isPaused: boolean): void {
    if (isPaused) {
      this.pauseClient(PAUSED_BY_BUDGET)
      this.pauseTarget(PAUSED_BY_BUDGET)
    } else {
      this.resumeClient(PAUSED_BY_BUDGET)
      this.resumeTarget(PAUSED_BY_BUDGET)
    }
  }

  /** The registry sheds this connection: it held the most while the relay sat at its budget. */
  shedForBudget(budgetBytes: number): void {
    this.beginClose(
      CloseCode.RELAY_OVERLOADED,
      `Relay is at its memory budget (${budgetBytes} bytes) and this connection held the most. Try again later.`,
      'RELAY_MEMORY_BUDGET',
    )
  }

  // ---- phases -----------------------------------------------------------

  /** Moves to `next`: clears the last phase's timer and starts this one's. */
  private enter(next: ConnectionPhase): void {
    if (this.phaseValue === 'closed') return
    clearTimeout(this.phaseTimer)
    this.phaseTimer = undefined
    this.phaseValue = next
    const { settings } = this.context
    switch (next) {
      case 'choosing':
        if (this.identity.mode === 'v1') {
          this.phaseTimer = setTimeout(
            this.onOpenTimeout,
            settings.handshakeTimeout,
          )
        }
        break
      case 'connecting':
        this.phaseTimer = setTimeout(
          this.onConnectTimeout,
          settings.connectTimeout,
        )
        break
      case 'open':
        if (settings.idleTimeout > 0) {
          this.idleTimer = setTimeout(this.onIdleCheck, settings.idleTimeout)
          this.idleTimer.unref()
        }
        break
      case 'closing':
        clearInterval(this.heartbeatTimer)
        clearTimeout(this.pongTimer)
        clearTimeout(this.idleTimer)
        break
      case 'closed':
        clearInterval(this.heartbeatTimer)
        clearTimeout(this.pongTimer)
        clearTimeout(this.idleTimer)
        // The target has every byte and our FIN; its socket may linger until
        // its own FIN or the linger timer, but must not keep the process alive.
        this.tcp?.unref()
        this.early = []
        this.earlyBytes = 0
        this.identity.lease.release()
        this.context.onClosed(this, this.logClosed())
        break
    }
    this.phaseTimer?.unref()
  }

  /** Chooses the target (raw: now; v1: on `open`) and connects to it. */
  private choose(open: OpenMessage | undefined): void {
    let choice: TargetChoice | Promise<TargetChoice>
    try {
      choice = this.context.chooseTarget(open)
    } catch (err) {
      this.identity.log.error({ err }, 'choosing a target failed')
      this.refuse(
        CloseCode.INTERNAL_ERROR,
        'The relay failed to choose a target.',
        'target',
      )
      return
    }
    if (!(choice instanceof Promise)) {
      this.onChosen(choice)
      return
    }
    choice.then(this.onChosen, (err: unknown) => {
      this.identity.log.error({ err }, 'choosing a target failed')
      this.refuse(
        CloseCode.INTERNAL_ERROR,
        'The relay failed to choose a target.',
        'target',
      )
    })
  }

  private readonly onChosen = (choice: TargetChoice): void => {
    // Closed or shutting down meanwhile: no TCP connection after a close.
    if (this.phaseValue !== 'choosing') return
    if (!choice.ok) {
      this.refuse(choice.code, choice.reason, 'target', choice.errorCode)
      return
    }
    this.connect(choice.target)
  }

  private connect(target: ChosenTarget): void {
    this.target = target
    const { log, mode, path } = this.identity
    log.info(
      {
        target: formatHostPort(target),
        ...(target.route ? { route: target.route } : {}),
        ...(target.isClientChosen ? { address: target.connectTo } : {}),
        path,
        protocol: this.ws.protocol || undefined,
      },
      'connection open',
    )
    this.context.onOpened(this.openEvent(target))
    // allowHalfOpen: a target's FIN must not end our write side before the
    // browser's last bytes are written; we end it ourselves when done.
    const tcp = net.connect({
      host: target.connectTo,
      port: target.port,
      allowHalfOpen: true,
      noDelay: true,
    })
    this.tcp = tcp
    this.isTcpFinished = false
    tcp.on('error', this.onTargetError)
    tcp.on('connect', this.onTargetConnect)
    tcp.on('data', this.onTargetData)
    tcp.on('end', this.onTargetEnd)
    tcp.on('finish', this.onTargetFinish)
    tcp.on('close', this.onTargetClose)
    this.enter('connecting')
    if (this.targetPaused !== 0) tcp.pause()
    // Early data goes out behind the handshake, in order; the socket buffers it.
    const early = this.early
    this.early = []
    this.earlyBytes = 0
    for (const bytes of early) this.writeToTarget(bytes)
    this.resumeClient(PAUSED_EARLY)
    if (mode === 'v1' && this.hasClientEnded) tcp.end()
  }

  // ---- target side ------------------------------------------------------

  private readonly onTargetConnect = (): void => {
    if (this.phaseValue !== 'connecting') return
    this.enter('open')
    this.identity.log.debug('target connected')
    const target = this.target
    if (this.identity.mode !== 'v1' || !target) return
    // Only a client-chosen target is echoed back with its address; a route or
    // the fixed target is the operator's, and /routes never shows addresses.
    this.sendControl({
      type: 'connected',
      ...(target.route ? { route: target.route } : {}),
      ...(target.isClientChosen
        ? {
            host: target.host,
            port: target.port,
            address: this.tcp?.remoteAddress ?? target.connectTo,
          }
        : {}),
    })
  }

  private readonly onConnectTimeout = (): void => {
    if (this.phaseValue !== 'connecting' || !this.target) return
    this.fail(
      connectTimeoutFailure(
        this.target,
        this.context.settings.connectTimeout,
      ),
    )
    this.tcp?.destroy()
  }

  private readonly onTargetData = (chunk: Buffer): void => {
    const ws = this.ws
    if (ws.readyState !== WebSocket.OPEN) return // browser gone: discard
    this.sawTraffic = true
    this.stats.bytesToClient += chunk.length
    const pending = ws.bufferedAmount + chunk.length
    if (pending > this.stats.peakPendingToClient)
      this.stats.peakPendingToClient = pending
    if (pending < this.hwm) {
      ws.send(chunk, SEND_BINARY) // the common case: no callback, no closure
      return
    }
    // This frame crosses the mark: stop reading the target until it is out.
    ws.send(chunk, SEND_BINARY, this.onClientWritten)
    this.pauseTarget(PAUSED_BY_PEER)
  }

  /**
   * ws calls this when the frame that crossed the mark is handed to the
   * kernel (or dropped on close): every frame before it is out too, so the
   * queue is empty but for the little sent since. Resuming here, not on the
   * socket's 'drain', works at any mark, even below Node's 16 KiB.
   */
  private readonly onClientWritten = (): void => {
    this.resumeTarget(PAUSED_BY_PEER)
    this.resumeClient(PAUSED_BY_PONGS)
  }

  private readonly onTargetEnd = (): void => {
    this.hasTargetEnded = true
    if (this.identity.mode === 'v1') {
      // Half-close: tell the browser (after every byte before it), keep its direction open.
      this.sendControl({ type: 'end' })
      if (this.hasClientEnded)
        this.beginClose(CloseCode.NORMAL_CLOSURE, 'Both sides ended.')
      return
    }
    this.beginClose(CloseCode.NORMAL_CLOSURE, this.targetClosedReason())
  }

  private readonly onTargetError = (err: Error): void => {
    if (!this.target) return
    this.fail(
      classifyTargetError(
        err,
        this.target,
        this.phaseValue === 'connecting' ? 'connect' : 'stream',
      ),
    )
  }

  private readonly onTargetFinish = (): void => {
    this.isTcpFinished = true
    this.maybeClosed()
  }

  private readonly onTargetClose = (): void => {
    this.isTcpFinished = true
    clearTimeout(this.lingerTimer)
    // A close without FIN or error (destroyed locally) still ends the session.
    this.beginClose(CloseCode.NORMAL_CLOSURE, this.targetClosedReason())
    this.maybeClosed()
  }

  private targetClosedReason(): string {
    return this.target
      ? `TCP target ${formatHostPort(this.target)} closed the connection.`
      : 'The TCP target closed the connection.'
  }

  /** The write that crossed the mark is out, and every write before it. */
  private readonly onTargetWritten = (): void => {
    this.resumeClient(PAUSED_BY_PEER)
  }

  private writeToTarget(bytes: Buffer): void {
    const tcp = this.tcp
    if (!tcp || tcp.destroyed || tcp.writableEnded) return
    const pending = tcp.writableLength + bytes.length
    if (pending > this.stats.peakPendingToTarget)
      this.stats.peakPendingToTarget = pending
    if (pending < this.hwm) {
      tcp.write(bytes)
      return
    }
    tcp.write(bytes, this.onTargetWritten)
    this.pauseClient(PAUSED_BY_PEER)
  }

  // ---- client side ------------------------------------------------------

  private readonly onClientMessage = (
    data: RawData,
    isBinary: boolean,
  ): void => {
    // The default binaryType is 'nodebuffer', so data is a Buffer; text frames
    // arrive as their UTF-8 bytes (ws has already validated them).
    const bytes = data as Buffer
    if (this.isRejecting) return
    if (this.identity.mode === 'v1') {
      if (!isBinary) {
        this.onControlMessage(bytes)
        return
      }
      if (!this.hasOpen) {
        this.violation('Data before open.')
        return
      }
      if (this.hasClientEnded) {
        this.violation('Data after end.')
        return
      }
    }
    this.sawTraffic = true
    this.stats.bytesToTarget += bytes.length
    if (this.tcp) {
      this.writeToTarget(bytes)
      return
    }
    if (this.phaseValue !== 'choosing') return // refused: nowhere to send it
    // v1: behind `open`, while the target is being resolved. Kept in order,
    // bounded: at the high-water mark the relay stops reading the browser.
    this.early.push(bytes)
    this.earlyBytes += bytes.length
    if (this.earlyBytes >= this.hwm) this.pauseClient(PAUSED_EARLY)
  }

  private onControlMessage(bytes: Buffer): void {
    const parsed = parseClientMessage(bytes.toString('utf8'))
    if (!parsed.ok) {
      this.violation(parsed.error)
      return
    }
    const message = parsed.message
    switch (message.type) {
      case 'open':
        if (this.hasOpen) {
          this.violation('open sent twice.')
          return
        }
        if (this.phaseValue !== 'choosing') return // closing already: open nothing
        this.hasOpen = true
        clearTimeout(this.phaseTimer) // the open arrived; resolving has its own limits
        this.choose(message)
        return
      case 'ping':
        if (!this.hasOpen) {
          this.violation('ping before open.')
          return
        }
        // A browser that pings but never reads the pongs: stop reading it.
        if (this.sendControl({ type: 'pong', id: message.id, ts: message.ts }))
          this.pauseClient(PAUSED_BY_PONGS)
        return
      case 'end':
        if (!this.hasOpen) {
          this.violation('end before open.')
          return
        }
        if (this.hasClientEnded) {
          this.violation('end sent twice.')
          return
        }
        this.hasClientEnded = true
        this.sawTraffic = true
        // FIN after every byte already written; the target may keep sending.
        if (this.tcp && !this.tcp.destroyed) this.tcp.end()
        if (this.hasTargetEnded)
          this.beginClose(CloseCode.NORMAL_CLOSURE, 'Both sides ended.')
        return
    }
  }

  /** Sends a control message; false when it crossed the mark (the caller may stop reading). */
  private sendControl(message: RelayControlMessage): boolean {
    const ws = this.ws
    if (ws.readyState !== WebSocket.OPEN) return false
    const text = encodeControlMessage(message)
    if (ws.bufferedAmount + text.length < this.hwm) {
      ws.send(text)
      return false
    }
    ws.send(text, this.onClientWritten)
    return true
  }

  /** v1 rule broken: say which in a 1008 close, and take nothing more from this client. */
  private violation(reason: string): void {
    this.isRejecting = true
    if (!this.target) {
      this.refuse(
        CloseCode.POLICY_VIOLATION,
        reason,
        'protocol',
        'RELAY_CONTROL_INVALID',
      )
      return
    }
    this.identity.log.warn(
      { errorCode: 'RELAY_CONTROL_INVALID' },
      `protocol violation: ${reason}`,
    )
    this.beginClose(CloseCode.POLICY_VIOLATION, reason, 'RELAY_CONTROL_INVALID')
  }

  private readonly onOpenTimeout = (): void => {
    if (this.phaseValue !== 'choosing' || this.hasOpen) return
    this.violation(
      `No open message within ${this.context.settings.handshakeTimeout} ms.`,
    )
  }

  /** Pings find browsers that vanished without a close frame (RFC 6455 5.5.2). */
  private readonly onHeartbeat = (): void => {
    if (this.pongTimer || this.ws.readyState !== WebSocket.OPEN) return
    this.ws.ping()
    this.pongTimer = setTimeout(
      this.onPongTimeout,
      this.context.settings.pongTimeout,
    )
    this.pongTimer.unref()
  }

  private readonly onPong = (): void => {
    clearTimeout(this.pongTimer)
    this.pongTimer = undefined
  }

  private readonly onPongTimeout = (): void => {
    const { pongTimeout } = this.context.settings
    if (this.clientPaused !== 0) {
      // We stopped reading the browser ourselves, so its pong may sit
      // unread: that is not the browser's fault.
      this.pongTimer = setTimeout(this.onPongTimeout, pongTimeout)
      this.pongTimer.unref()
      return
    }
    const reason = `No pong within ${pongTimeout} ms.`
    this.identity.log.warn(
      { closeCode: CloseCode.PEER_UNRESPONSIVE },
      `browser unresponsive: ${reason}`,
    )
    this.close ??= { code: CloseCode.PEER_UNRESPONSIVE, reason, by: 'relay' }
    // A vanished peer will never read a close frame: cut it; 'close' ends the TCP side.
    this.ws.terminate()
  }

  private readonly onIdleCheck = (): void => {
    const { idleTimeout } = this.context.settings
    if (this.sawTraffic) {
      this.sawTraffic = false
      this.idleTimer = setTimeout(this.onIdleCheck, idleTimeout)
      this.idleTimer.unref()
      return
    }
    this.beginClose(
      CloseCode.IDLE_TIMEOUT,
      `No data either way for ${idleTimeout} ms.`,
    )
  }

  private readonly onClientClose = (code: number, reason: Buffer): void => {
    this.isWsClosed = true
    this.close ??= { code, reason: reason.toString(), by: 'client' }
    if (this.phaseValue !== 'closing') this.enter('closing')
    const tcp = this.tcp
    // End, not destroy: bytes the browser sent are still queued for the target.
    if (tcp && !tcp.destroyed) {
      tcp.end()
      tcp.resume() // discard whatever the target still sends
      this.lingerTimer = setTimeout(
        () => tcp.destroy(),
        this.context.settings.drainTimeout,
      )
      this.lingerTimer.unref()
    }
    this.maybeClosed()
  }

  private readonly onClientError = (err: Error & { code?: string }): void => {
    // ws closes the socket itself (1002, 1007 or 1009, with the reason
    // RelayWebSocket gives it) and then emits 'close'; log only.
    this.identity.log.debug(
      { err: err.message, wsCode: err.code },
      'websocket error',
    )
  }

  // ---- closing ----------------------------------------------------------

  private refuse(
    code: number,
    reason: string,
    why: RefusalReason,
    errorCode?: RelayErrorCode,
  ): void {
    if (this.close) return
    this.context.onRefused(why)
    // A refused peer gets a short grace to read the close, not the drain
    // timeout: a crowd of refused clients must not hold the relay's sockets.
    setTimeout(() => this.ws.terminate(), REFUSED_CLOSE_GRACE_MS).unref()
    this.identity.log.warn(
      { closeCode: code, errorCode, path: this.identity.path },
      `connection refused: ${reason}`,
    )
    this.beginClose(code, reason, errorCode)
  }

  private fail(failure: TargetFailure): void {
    this.identity.log.warn(
      { errorCode: failure.error.code },
      failure.error.message,
    )
    this.beginClose(failure.closeCode, failure.closeReason, failure.error.code)
  }

  /**
   * The relay closes: the close frame goes out behind every data frame
   * already queued (the socket writes in order); the TCP side is ended when
   * the browser's close reply arrives. ws cuts a browser that does not reply
   * within its close timeout.
   */
  private beginClose(
    code: number,
    reason: string,
    errorCode?: RelayErrorCode,
  ): void {
    if (this.close || this.isWsClosed) return
    this.close = {
      code,
      reason: fitCloseReason(reason),
      by: 'relay',
      errorCode,
    }
    this.enter('closing')
    this.resumeClient(PAUSED_EARLY | PAUSED_BY_PONGS | PAUSED_BY_BUDGET) // read the peer's close reply
    this.ws.close(code, this.close.reason)
  }

  /** Done once the browser side is closed and the target has every byte and our FIN. */
  private maybeClosed(): void {
    if (this.phaseValue === 'closed' || !this.isWsClosed || !this.isTcpFinished)
      return
    this.enter('closed')
  }

  private openEvent(target: ChosenTarget): ConnectionOpenEvent {
    return {
      id: this.identity.id,
      client: this.identity.lease.clientAddress,
      target: formatHostPort(target),
      ...(target.route ? { route: target.route } : {}),
      protocol: this.identity.mode,
    }
  }

  /** Logs the closed line and returns it as an event; nothing for a refused connection. */
  private logClosed(): ConnectionCloseEvent | undefined {
    if (!this.target) return undefined // refused: its warning said everything
    const close = this.close
    const event: ConnectionCloseEvent = {
      ...this.openEvent(this.target),
      closeCode: close?.code ?? CloseCode.NORMAL_CLOSURE,
      ...(close?.errorCode ? { errorCode: close.errorCode } : {}),
      reason: close?.reason ?? '',
      by: close?.by ?? 'relay',
      bytesToTarget: this.stats.bytesToTarget,
      bytesToClient: this.stats.bytesToClient,
      durationMs: Date.now() - this.startedAt,
    }
    this.identity.log.info(
      {
        closeCode: event.closeCode,
        ...(event.errorCode ? { errorCode: event.errorCode } : {}),
        reason: event.reason,
        by: event.by,
        bytesToTarget: event.bytesToTarget,
        bytesToClient: event.bytesToClient,
        durationMs: event.durationMs,
      },
      'connection closed',
    )
    return event
  }

  // ---- pausing ----------------------------------------------------------

  private pauseClient(why: number): void {
    if (this.clientPaused === 0) {
      this.ws.pause()
      if (why !== PAUSED_BY_BUDGET) this.stats.clientPauses++
    }
    this.clientPaused |= why
  }

  private resumeClient(why: number): void {
    if ((this.clientPaused & why) === 0) return
    this.clientPaused &= ~why
    if (this.clientPaused === 0) this.ws.resume()
  }

  private pauseTarget(why: number): void {
    if (this.targetPaused === 0) {
      this.tcp?.pause()
      if (why === PAUSED_BY_PEER) this.stats.targetPauses++
    }
    this.targetPaused |= why
  }

  private resumeTarget(why: number): void {
    if ((this.targetPaused & why) === 0) return
    this.targetPaused &= ~why
    if (this.targetPaused === 0) this.tcp?.resume()
  }
}
