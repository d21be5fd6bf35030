import { once } from 'node:events'
import { lacks } from '@wsrelay/test-kit/tools'
import { beforeAll, describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'
import {
  REPO_ROOT,
  assertBuilt,
  run,
  startRelay,
  startServer,
} from './processes.js'

const DIR = `${REPO_ROOT}examples/cpp-echo-server`

/** Collects what a WebSocket receives until `done` says it is enough. */
function receiveUntil(
  ws: WebSocket,
  done: (text: string) => boolean,
): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = ''
    const onMessage = (data: Buffer, isBinary: boolean): void => {
      expect(isBinary).toBe(true) // the relay sends target bytes as binary frames
      text += data.toString('utf8')
      if (done(text)) {
        ws.off('message', onMessage)
        resolve(text)
      }
    }
    ws.on('message', onMessage)
    ws.once('close', (code, reason) =>
      reject(new Error(`closed ${code} ${reason.toString()} after "${text}"`)),
    )
  })
}

/** Chapter 8 builds it with make and g++. */
const lacksBuild = lacks(['g++', 'make'])

describe.skipIf(lacksBuild)('the C++ echo server of chapter 8', () => {
  beforeAll(async () => {
    assertBuilt()
    const { code, stdout, stderr } = await run('make', ['-C', DIR])
    expect(code, `make failed:\n${stdout}${stderr}`).toBe(0)
  }, 60_000)

  it('answers each line through the relay, however the bytes are split into frames', async () => {
    const server = await startServer(`${DIR}/echo_server`, ['0'])
    const relay = await startRelay(`127.0.0.1:${server.port}`)
    const ws = new WebSocket(`ws://127.0.0.1:${relay.port}/`, 'binary')
    ws.on('error', () => undefined) // a failure shows as the close below
    await once(ws, 'open')

    const answers = receiveUntil(ws, (t) => t.split('\n').length > 3)
    for (const part of ['hel', 'lo\nwor', 'ld\r\n', '', 'caf\xc3', '\xa9\n']) {
      ws.send(Buffer.from(part, 'latin1'))
    }
    expect(await answers).toBe(
      'hello from the server\nworld from the server\ncafé from the server\n',
    )

    const closed = once(ws, 'close')
    ws.close(1000)
    const [code] = (await closed) as [number]
    expect(code).toBe(1000)
    expect(await server.stop('SIGTERM')).toBe(0)
    expect(server.output()).toContain('stopped')
  })

  it('closes the WebSocket with 1000 when the C++ server stops', async () => {
    const server = await startServer(`${DIR}/echo_server`, ['0'])
    const relay = await startRelay(`127.0.0.1:${server.port}`)
    const ws = new WebSocket(`ws://127.0.0.1:${relay.port}/`, 'binary')
    ws.on('error', () => undefined)
    await once(ws, 'open')
    const answer = receiveUntil(ws, (t) => t.endsWith('\n'))
    ws.send('ping\n')
    expect(await answer).toBe('ping from the server\n')

    const closed = once(ws, 'close')
    expect(await server.stop('SIGINT')).toBe(0)
    const [code] = (await closed) as [number]
    expect(code).toBe(1000)
  })

  it('refuses a bad port with a message naming it', async () => {
    const { code, stderr } = await run(`${DIR}/echo_server`, ['70000'])
    expect(code).toBe(2)
    expect(stderr).toBe('invalid port "70000": expected 0 to 65535\n')
  })
})
