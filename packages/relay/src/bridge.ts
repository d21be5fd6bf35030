import net from 'node:net'
import {
  CloseCode,
  encodeControlMessage,
  fitCloseReason,
  parseClientMessage,
  type RelayControlMessage,
} from '@wsrelay/protocol'
import { WebSocket, type RawData } from 'ws'
import type { Logger } from './logger.js'
import type { ResolvedRelayOptions } from './options.js'
import { formatHostPort } from './target-address.js'
import type { ChosenTarget } from './target-selection.js'
import {
  classifyTargetError,
  connectTimeoutFailure,
  type TargetFailure,
} from './target-failure.js'

/** Who this connection is: the relay-wide settings are passed beside it. */
export interface BridgeIdentity {
  readonly id: number
  readonly target: ChosenTarget
  readonly clientAddress: string
  /** `raw`: every frame is bytes. `v1`: text frames are control messages (wsrelay.v1). */
  readonly mode: 'raw' | 'v1'
}

/** A WebSocket message as ws delivers it. */
export interface ClientMessage {
  readonly data: RawData
  readonly isBinary: boolean
}

/** The relay settings a connection uses. */
export type BridgeSettings = Pick<
  ResolvedRelayOptions,
  | 'connectTimeoutMs'
  | 'highWaterMarkBytes'
  | 'drainTimeoutMs'
  | 'idleTimeoutMs'
  | 'pingIntervalMs'
  | 'pongTimeoutMs'
  | 'logger'
>

/** Byte counters of one connection, readable while it runs. */
export interface BridgeStats {
  bytesToTarget: number
  bytesToClient: number
  /** Most bytes held at once waiting for the browser to read. */
  peakPendingToClient: number
  /** Most bytes held at once waiting for the target to read. */
  peakPendingToTarget: number
  /** Times target reads were paused because the browser was slow. */
  targetPauses: number
  /** Times browser reads were paused because the target was slow. */
  clientPauses: number
}

/**
 * Pipes one accepted WebSocket to one TCP connection, both ways.
 *
 * Memory stays bounded: when the browser reads slowly the TCP socket is paused,
 * and when the target reads slowly the WebSocket is paused, each at
 * `highWaterMarkBytes`. Closing flushes first: bytes the target sent before its
 * FIN reach the browser before the close frame, and bytes the browser sent
 * before its close frame reach the target before our FIN.
 */
export class Bridge {
  readonly stats: BridgeStats = {
    bytesToTarget: 0,
    bytesToClient: 0,
    peakPendingToClient: 0,
    peakPendingToTarget: 0,
    targetPauses: 0,
    clientPauses: 0,
  }
  /** Settles once both sockets are closed. */
  readonly done: Promise<void>

  private readonly tcp: net.Socket
  private readonly startedAt = Date.now()
  private readonly log: Logger
  private pendingToClient = 0
  private isTargetPaused = false
  private isClientPaused = false
  private isConnected = false
  /** The close we decided to send, waiting for the flush to finish. */
  private closing: { code: number; reason: string } | undefined
  private closedBy: 'client' | 'relay' | undefined
  private drainTimer: NodeJS.Timeout | undefined
  private lingerTimer: NodeJS.Timeout | undefined
  private heartbeatTimer: NodeJS.Timeout | undefined
  private pongTimer: NodeJS.Timeout | undefined
  private idleTimer: NodeJS.Timeout | undefined
  private lastActivityAt = Date.now()
  private wsClosed = false
  /** v1: the client sent `end` (no more data from the browser). */
  private hasClientEnded = false
  /** v1: the target sent FIN. */
  private hasTargetEnded = false
  /** A protocol violation is being closed: ignore what else the client sends. */
  private isRejecting = false
  /** Our write side is done: every byte and the FIN went out, or the socket is gone. */
  private tcpFinished = false
  private isDone = false
  private resolveDone: () => void = () => undefined

  constructor(
    private readonly ws: WebSocket,
    private readonly identity: BridgeIdentity,
    private readonly options: BridgeSettings,
    /** Messages that arrived while the target was being chosen (v1), in order. */
    early: readonly ClientMessage[] = [],
  ) {
    this.done = new Promise((resolve) => (this.resolveDone = resolve))
    this.log = options.logger.child({
      conn: identity.id,
      client: identity.clientAddress,
      target: formatHostPort(identity.target),
      ...(identity.target.route ? { route: identity.target.route } : {}),
    })

    ws.on('message', this.onClientMessage)
    ws.on('close', this.onClientClose)
    ws.on('error', this.onClientError)
    ws.on('pong', this.onPong)
    if (options.pingIntervalMs > 0) {
      this.heartbeatTimer = setInterval(
        this.onHeartbeat,
        options.pingIntervalMs,
      )
      this.heartbeatTimer.unref()
    }
    if (options.idleTimeoutMs > 0) {
      this.idleTimer = setTimeout(this.onIdleCheck, options.idleTimeoutMs)
      this.idleTimer.unref()
    }

    // allowHalfOpen: a target's FIN must not end our write side before the
    // browser's last bytes are written; we end it ourselves when done.
    this.tcp = net.connect({
      host: identity.target.connectTo,
      port: identity.target.port,
      allowHalfOpen: true,
      noDelay: true,
    })
    this.tcp.setTimeout(options.connectTimeoutMs)
    this.tcp.on('timeout', this.onConnectTimeout)
    this.tcp.once('connect', this.onTargetConnect)
    this.tcp.on('data', this.onTargetData)
    this.tcp.on('end', this.onTargetEnd)
    this.tcp.on('error', this.onTargetError)
    this.tcp.on('close', this.onTargetClose)
    this.tcp.on('drain', this.onTargetDrain)
    this.tcp.on('finish', this.onTargetFinish)
    for (const message of early)
      this.onClientMessage(message.data, message.isBinary)
  }

  /** The close code this connection ended (or is ending) with. */
  get closeCode(): number | undefined {
    return this.closing?.code
  }

  /** Bytes the relay holds for this connection right now, both directions. */
  get bufferedBytes(): number {
    return this.pendingToClient + this.tcp.writableLength
  }

  /** Flushes what is held, closes the browser with `code`, ends the TCP side. */
  shutdown(code: number, reason: string): void {
    // Stop taking new target bytes; what is already held still goes out.
    this.pauseTarget(false)
    this.beginClose(code, reason)
  }

  /** Cuts both sockets at once, dropping anything held. */
  terminate(): void {
    this.ws.terminate()
    this.tcp.destroy()
  }

  private readonly onTargetConnect = (): void => {
    this.isConnected = true
    this.tcp.setTimeout(0)
    this.log.debug('target connected')
    if (this.identity.mode === 'v1') {
      // Only a client-chosen target is echoed back with its address; a route or
      // the fixed target is the operator's, and /routes never shows addresses.
      const { host, port, route, isClientChosen } = this.identity.target
      this.sendControl({
        type: 'connected',
        ...(route ? { route } : {}),
        ...(isClientChosen
          ? {
              host,
              port,
              address: this.tcp.remoteAddress ?? this.identity.target.connectTo,
            }
          : {}),
      })
    }
  }

  private sendControl(message: RelayControlMessage): void {
    if (this.ws.readyState === WebSocket.OPEN)
      this.ws.send(encodeControlMessage(message))
  }

  /** v1 rule broken: say which in a 1008 close, and take nothing more from this client. */
  private reject(reason: string): void {
    this.log.warn(
      { code: 'RELAY_CONTROL_INVALID' },
      `protocol violation: ${reason}`,
    )
    this.isRejecting = true
    this.beginClose(CloseCode.POLICY_VIOLATION, reason)
  }

  private readonly onConnectTimeout = (): void => {
    if (this.isConnected) return
    this.fail(
      connectTimeoutFailure(
        this.identity.target,
        this.options.connectTimeoutMs,
      ),
    )
    this.tcp.destroy()
  }

  private readonly onTargetData = (chunk: Buffer): void => {
    if (this.ws.readyState !== WebSocket.OPEN) return // browser gone: discard
    this.lastActivityAt = Date.now()
    const size = chunk.length
    this.stats.bytesToClient += size
    this.pendingToClient += size
    if (this.pendingToClient > this.stats.peakPendingToClient) {
      this.stats.peakPendingToClient = this.pendingToClient
    }
    this.ws.send(chunk, { binary: true }, () => this.onClientWritten(size))
    if (this.pendingToClient >= this.options.highWaterMarkBytes)
      this.pauseTarget(true)
  }

  /** ws calls this once a frame is handed to the kernel, or dropped on close. */
  private onClientWritten(size: number): void {
    this.pendingToClient -= size
    if (this.closing) {
      if (this.pendingToClient === 0) this.sendClose()
    } else if (
      this.isTargetPaused &&
      this.pendingToClient <= this.options.highWaterMarkBytes / 2
    ) {
      this.isTargetPaused = false
      this.tcp.resume()
    }
  }

  private pauseTarget(countIt: boolean): void {
    if (this.isTargetPaused) return
    this.isTargetPaused = true
    if (countIt) this.stats.targetPauses++
    this.tcp.pause()
  }

  private readonly onTargetEnd = (): void => {
    if (this.identity.mode === 'v1') {
      // Half-close: tell the browser (after every byte before it), keep its direction open.
      this.hasTargetEnded = true
      this.sendControl({ type: 'end' })
      if (this.hasClientEnded)
        this.beginClose(CloseCode.NORMAL_CLOSURE, 'Both sides ended.')
      return
    }
    this.beginClose(
      CloseCode.NORMAL_CLOSURE,
      `TCP target ${formatHostPort(this.identity.target)} closed the connection.`,
    )
  }

  private readonly onTargetError = (err: Error): void => {
    const failure = classifyTargetError(
      err,
      this.identity.target,
      this.isConnected ? 'stream' : 'connect',
    )
    this.fail(failure)
  }

  private readonly onTargetFinish = (): void => {
    this.tcpFinished = true
    this.maybeDone()
  }

  private readonly onTargetClose = (): void => {
    this.tcpFinished = true
    clearTimeout(this.lingerTimer)
    // A close without FIN or error (destroyed locally) still must end the session.
    this.beginClose(
      CloseCode.NORMAL_CLOSURE,
      `TCP target ${formatHostPort(this.identity.target)} closed the connection.`,
    )
    this.maybeDone()
  }

  private readonly onTargetDrain = (): void => {
    if (this.isClientPaused) {
      this.isClientPaused = false
      this.ws.resume()
    }
  }

  private readonly onClientMessage = (
    data: RawData,
    isBinary: boolean,
  ): void => {
    if (this.isRejecting) return
    // The default binaryType is 'nodebuffer', so data is a Buffer; text frames
    // arrive as their UTF-8 bytes (ws has already validated them).
    const bytes = data as Buffer
    if (this.identity.mode === 'v1') {
      if (!isBinary) {
        this.onControlMessage(bytes.toString('utf8'))
        return
      }
      if (this.hasClientEnded) {
        this.reject('Data after end.')
        return
      }
    }
    if (this.tcp.destroyed || this.tcp.writableEnded) return
    this.lastActivityAt = Date.now()
    this.stats.bytesToTarget += bytes.length
    this.tcp.write(bytes)
    const pending = this.tcp.writableLength
    if (pending > this.stats.peakPendingToTarget)
      this.stats.peakPendingToTarget = pending
    // Node emits 'drain' only after write() returned false, which happens well
    // below our high-water mark (16 KiB), so waiting for 'drain' is safe.
    if (pending >= this.options.highWaterMarkBytes && !this.isClientPaused) {
      this.isClientPaused = true
      this.stats.clientPauses++
      this.ws.pause()
    }
  }

  private onControlMessage(text: string): void {
    const parsed = parseClientMessage(text)
    if (!parsed.ok) {
      this.reject(parsed.error)
      return
    }
    const message = parsed.message
    switch (message.type) {
      case 'open':
        this.reject('open sent twice.')
        return
      case 'ping':
        this.sendControl({ type: 'pong', id: message.id, ts: message.ts })
        return
      case 'end':
        if (this.hasClientEnded) {
          this.reject('end sent twice.')
          return
        }
        this.hasClientEnded = true
        this.lastActivityAt = Date.now()
        // FIN after every byte already written; the target may keep sending.
        this.tcp.end()
        if (this.hasTargetEnded)
          this.beginClose(CloseCode.NORMAL_CLOSURE, 'Both sides ended.')
        return
    }
  }

  /** Pings find browsers that vanished without a close frame (RFC 6455 5.5.2). */
  private readonly onHeartbeat = (): void => {
    if (this.pongTimer || this.ws.readyState !== WebSocket.OPEN) return
    this.ws.ping()
    this.pongTimer = setTimeout(this.onPongTimeout, this.options.pongTimeoutMs)
    this.pongTimer.unref()
  }

  private readonly onPong = (): void => {
    clearTimeout(this.pongTimer)
    this.pongTimer = undefined
  }

  private readonly onPongTimeout = (): void => {
    if (this.isClientPaused) {
      // We stopped reading the browser ourselves (slow target), so its pong
      // may be sitting unread: that is not the browser's fault.
      this.pongTimer = setTimeout(
        this.onPongTimeout,
        this.options.pongTimeoutMs,
      )
      this.pongTimer.unref()
      return
    }
    const reason = `No pong within ${this.options.pongTimeoutMs} ms.`
    this.log.warn(
      { code: CloseCode.PEER_UNRESPONSIVE },
      `browser unresponsive: ${reason}`,
    )
    this.closedBy = 'relay'
    this.closing = { code: CloseCode.PEER_UNRESPONSIVE, reason }
    // A vanished peer will never read a close frame: cut it; 'close' ends the TCP side.
    this.ws.terminate()
  }

  private readonly onIdleCheck = (): void => {
    const idleMs = Date.now() - this.lastActivityAt
    if (idleMs < this.options.idleTimeoutMs) {
      this.idleTimer = setTimeout(
        this.onIdleCheck,
        this.options.idleTimeoutMs - idleMs,
      )
      this.idleTimer.unref()
      return
    }
    this.beginClose(
      CloseCode.IDLE_TIMEOUT,
      `No data either way for ${this.options.idleTimeoutMs} ms.`,
    )
  }

  private readonly onClientClose = (code: number, reason: Buffer): void => {
    this.wsClosed = true
    clearTimeout(this.drainTimer)
    clearInterval(this.heartbeatTimer)
    clearTimeout(this.pongTimer)
    clearTimeout(this.idleTimer)
    this.closedBy ??= 'client'
    if (this.closedBy === 'client') {
      this.closing = { code, reason: reason.toString() }
    }
    // End, not destroy: bytes the browser sent are still queued for the target.
    if (!this.tcp.destroyed) {
      this.tcp.end()
      this.tcp.resume() // discard whatever the target still sends
      this.lingerTimer = setTimeout(
        () => this.tcp.destroy(),
        this.options.drainTimeoutMs,
      )
      this.lingerTimer.unref()
    }
    this.maybeDone()
  }

  private readonly onClientError = (err: Error): void => {
    // ws follows up with 'close' (code 1002/1009 sent to the peer); log only.
    this.log.warn({ err: err.message }, 'websocket error')
  }

  private fail(failure: TargetFailure): void {
    this.log.warn({ code: failure.error.code }, failure.error.message)
    this.beginClose(failure.closeCode, failure.closeReason)
  }

  private beginClose(code: number, reason: string): void {
    if (this.closing || this.wsClosed) return
    this.closedBy = 'relay'
    this.closing = { code, reason: fitCloseReason(reason) }
    if (this.pendingToClient === 0) {
      this.sendClose()
      return
    }
    // A browser that never reads must not hold the connection forever.
    this.drainTimer = setTimeout(
      () => this.ws.terminate(),
      this.options.drainTimeoutMs,
    )
    this.drainTimer.unref()
  }

  private sendClose(): void {
    if (!this.closing || this.ws.readyState !== WebSocket.OPEN) return
    clearTimeout(this.drainTimer)
    this.ws.close(this.closing.code, this.closing.reason)
  }

  /**
   * Done once the browser side is closed and the target has every byte and
   * our FIN; the TCP socket may linger to absorb late bytes from the target.
   */
  private maybeDone(): void {
    if (this.isDone || !this.wsClosed || !this.tcpFinished) return
    this.isDone = true
    this.log.info(
      {
        code: this.closing?.code,
        reason: this.closing?.reason,
        by: this.closedBy,
        bytesToTarget: this.stats.bytesToTarget,
        bytesToClient: this.stats.bytesToClient,
        durationMs: Date.now() - this.startedAt,
      },
      'connection closed',
    )
    this.resolveDone()
  }
}
