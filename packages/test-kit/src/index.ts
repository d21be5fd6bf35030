export {
  closePayload,
  encodeFrame,
  handshakeRequest,
  Opcode,
  RawConnection,
  readFrame,
  TimeoutError,
} from './raw-ws.js'
export type {
  Ending,
  FrameSpec,
  HandshakeSpec,
  HttpHead,
  ServerFrame,
} from './raw-ws.js'
export {
  echoProblem,
  freePort,
  startEchoServer,
  startTcpServer,
} from './tcp-server.js'
export type { TestTcpServer } from './tcp-server.js'
export {
  freeUdpPort,
  startUdpEchoServer,
  startUdpServer,
} from './udp-server.js'
export type { ReceivedDatagram, TestUdpServer } from './udp-server.js'
export { fdCountOf, MiB, rssOf, runToExit, startProcess } from './processes.js'
export type { ProcessSpec, WatchedProcess } from './processes.js'
export {
  assertCliBuilt,
  RELAY_CLI,
  runRelayCli,
  startRelayProcess,
} from './relay-cli.js'
export type { RelayProcess, RelayProcessOptions } from './relay-cli.js'
export { httpRequest } from './http-request.js'
export type { HttpAnswer } from './http-request.js'
export {
  BAD_PATHS,
  CASE_MAX_MESSAGE_BYTES,
  FRAME_CASES,
} from './frame-cases.js'
export type { FrameCase } from './frame-cases.js'
export {
  acceptsConnections,
  crashSummary,
  eventOrClose,
  FUZZ_NAMES,
  RelayFixture,
  settle,
} from './relay-fixture.js'
export { pump, startStuckTarget } from './load.js'
export type { PumpResult, StuckTarget } from './load.js'
export { startDnsStub } from './dns-stub.js'
export type { DnsAnswer, DnsStub } from './dns-stub.js'
