import {
  parseClientMessage,
  type OpenMessage,
  type PingMessage,
} from '@wsrelay/protocol'

/** What one client message asks the connection to do. */
export type V1Step =
  /** Choose the target this `open` names. */
  | { readonly kind: 'open'; readonly open: OpenMessage }
  /** Answer with a pong. */
  | { readonly kind: 'pong'; readonly ping: PingMessage }
  /** The browser sends no more data: FIN to the target; `isBothEnded` when the target had ended too. */
  | { readonly kind: 'end'; readonly isBothEnded: boolean }
  /** A rule broken: close 1008 with this reason. */
  | { readonly kind: 'violation'; readonly reason: string }

/**
 * The `wsrelay.v1` session rules, apart from any socket (as ws keeps its
 * receiver apart from the WebSocket): `open` first and once, `ping` and
 * data only after it, `end` once each way, nothing after the browser's
 * `end`. The connection feeds it messages and acts on the steps.
 */
export class V1Session {
  private hasOpen = false
  private hasClientEndedValue = false
  private hasTargetEnded = false

  /** The browser sent `end`. */
  get hasClientEnded(): boolean {
    return this.hasClientEndedValue
  }

  /** A text frame: one control message. */
  onControl(text: string): V1Step {
    const parsed = parseClientMessage(text)
    if (!parsed.ok) return { kind: 'violation', reason: parsed.error }
    const message = parsed.message
    switch (message.type) {
      case 'open':
        if (this.hasOpen)
          return { kind: 'violation', reason: 'open sent twice.' }
        this.hasOpen = true
        return { kind: 'open', open: message }
      case 'ping':
        if (!this.hasOpen)
          return { kind: 'violation', reason: 'ping before open.' }
        return { kind: 'pong', ping: message }
      case 'end':
        if (!this.hasOpen)
          return { kind: 'violation', reason: 'end before open.' }
        if (this.hasClientEndedValue)
          return { kind: 'violation', reason: 'end sent twice.' }
        this.hasClientEndedValue = true
        return { kind: 'end', isBothEnded: this.hasTargetEnded }
    }
  }

  /** A binary frame: the reason it breaks the rules, or undefined when it is data in its place. */
  checkData(): string | undefined {
    if (!this.hasOpen) return 'Data before open.'
    if (this.hasClientEndedValue) return 'Data after end.'
    return undefined
  }

  /** The target sent FIN; true when the browser had ended too. */
  onTargetEnd(): boolean {
    this.hasTargetEnded = true
    return this.hasClientEndedValue
  }
}
