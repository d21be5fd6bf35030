import { once } from 'node:events'
import type net from 'node:net'
import { WebSocket } from 'ws'

/** Opens a WebSocket and waits for it to be open. */
export async function openWebSocket(
  url: string,
  protocols?: string | string[],
  options?: ConstructorParameters<typeof WebSocket>[2],
): Promise<WebSocket> {
  const ws = new WebSocket(url, protocols, options)
  await once(ws, 'open')
  return ws
}

/** The close code and reason a WebSocket ends with. */
export interface Closed {
  code: number
  reason: string
}

/** Resolves when the WebSocket closes. */
export async function closed(ws: WebSocket): Promise<Closed> {
  if (ws.readyState === WebSocket.CLOSED) throw new Error('already closed')
  const [code, reason] = (await once(ws, 'close')) as [number, Buffer]
  return { code, reason: reason.toString() }
}

/** Collects every binary message until close; resolves with the bytes and the close. */
export function collectUntilClose(
  ws: WebSocket,
): Promise<{ bytes: Buffer; closed: Closed }> {
  const chunks: Buffer[] = []
  ws.on('message', (data: Buffer) => chunks.push(data))
  return closed(ws).then((c) => ({ bytes: Buffer.concat(chunks), closed: c }))
}

/** Reads from a WebSocket until `length` bytes arrived. */
export function readBytes(ws: WebSocket, length: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let got = 0
    const onMessage = (data: Buffer): void => {
      chunks.push(data)
      got += data.length
      if (got >= length) {
        ws.off('message', onMessage)
        ws.off('close', onClose)
        resolve(Buffer.concat(chunks))
      }
    }
    const onClose = (code: number): void =>
      reject(new Error(`closed with ${code} after ${got} of ${length} bytes`))
    ws.on('message', onMessage)
    ws.on('close', onClose)
  })
}

/** Reads a TCP socket to its end; resolves with everything it sent. */
export async function readToEnd(socket: net.Socket): Promise<Buffer> {
  const chunks: Buffer[] = []
  socket.on('data', (c: Buffer) => chunks.push(c))
  await once(socket, 'end')
  return Buffer.concat(chunks)
}

/**
 * Records every frame of a WebSocket from the moment it is created, so no
 * frame is missed between two awaits: binary bytes in order, text frames as a
 * queue of control messages.
 */
export class Inbox {
  private bytes = Buffer.alloc(0)
  private readonly texts: string[] = []
  private wake: () => void = () => undefined
  private closedWith: Closed | undefined

  constructor(ws: WebSocket) {
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (isBinary) this.bytes = Buffer.concat([this.bytes, data])
      else this.texts.push(data.toString())
      this.wake()
    })
    ws.on('close', (code: number, reason: Buffer) => {
      this.closedWith = { code, reason: reason.toString() }
      this.wake()
    })
  }

  private async until<T>(take: () => T | undefined, what: string): Promise<T> {
    for (;;) {
      const value = take()
      if (value !== undefined) return value
      if (this.closedWith)
        throw new Error(
          `closed ${this.closedWith.code} "${this.closedWith.reason}" while waiting for ${what}`,
        )
      await new Promise<void>((resolve) => (this.wake = resolve))
    }
  }

  /** The next `length` binary bytes. */
  readBytes(length: number): Promise<Buffer> {
    return this.until(() => {
      if (this.bytes.length < length) return undefined
      const out = this.bytes.subarray(0, length)
      this.bytes = this.bytes.subarray(length)
      return out
    }, `${length} bytes`)
  }

  /** The next text frame, parsed as JSON. */
  nextText(): Promise<unknown> {
    return this.until(() => {
      const text = this.texts.shift()
      return text === undefined ? undefined : (JSON.parse(text) as unknown)
    }, 'a text frame')
  }

  /** The close, once it came. */
  closed(): Promise<Closed> {
    return this.until(() => this.closedWith, 'close')
  }
}
