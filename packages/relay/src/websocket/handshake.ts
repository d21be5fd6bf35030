import type http from 'node:http'
import type { Socket } from 'node:net'
import type { Duplex } from 'node:stream'
import { WebSocket, WebSocketServer } from 'ws'

/** What the handshake hands over: the socket, bytes read past the request, the subprotocol chosen (`''` for none). */
export interface Upgraded {
  readonly socket: Socket
  readonly head: Buffer
  readonly protocol: string
}

/**
 * ws's hand-over point: once it has written the 101 answer, ws 8 gives the
 * socket to `setSocket` of the WebSocket it made. This class keeps the
 * socket instead of building ws's receiver and sender on it.
 */
class HandedOver extends WebSocket {
  upgraded: { socket: Socket; head: Buffer } | undefined

  setSocket(socket: Socket, head: Buffer): void {
    this.upgraded = { socket, head }
  }
}

/** Chooses the subprotocol from the client's offer, or `false` to refuse the handshake (400). */
export type ChooseProtocol = (offered: Set<string>) => string | false

/**
 * The WebSocket handshake, by ws: it checks the request (method, Upgrade,
 * `Sec-WebSocket-Key` and `-Version`, subprotocol and extension syntax),
 * answers 101 with `Sec-WebSocket-Accept` and the chosen subprotocol (no
 * extension: compression costs CPU per byte and opens zip bombs), and
 * refuses the rest with an HTTP error. From the first frame on the socket is
 * the relay's own ({@link ClientLink}): ws's message layer never sees it.
 */
export function createHandshake(chooseProtocol: ChooseProtocol) {
  const wss = new WebSocketServer({
    noServer: true,
    clientTracking: false,
    perMessageDeflate: false,
    WebSocket: HandedOver,
    handleProtocols: chooseProtocol,
  })
  return (
    req: http.IncomingMessage,
    socket: Duplex,
    head: Buffer,
    onUpgraded: (upgraded: Upgraded) => void,
  ): void => {
    wss.handleUpgrade(req, socket, head, (ws) => {
      const upgraded = ws.upgraded
      // ws 8 always calls setSocket before this callback (a test holds it);
      // were it ever not to, the socket is dropped rather than half-owned.
      if (!upgraded) {
        socket.destroy()
        return
      }
      onUpgraded({ ...upgraded, protocol: ws.protocol })
    })
  }
}
