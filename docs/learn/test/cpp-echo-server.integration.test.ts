import { once } from 'node:events'
import { lacks } from '@wsrelay/test-kit/tools'
import { beforeAll, describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'
import { runToExit, startProcess } from '@wsrelay/test-kit'
import { createHarness } from '@wsrelay/test-kit/harness'
import { REPO_ROOT, assertBuilt } from './processes.js'

const DIR = `${REPO_ROOT}examples/cpp-echo-server`

const { defer, relayProcess } = createHarness()

/** A C++ server (TCP, or its UDP twin) on a free port, ready once it prints where it listens. */
async function startCppServer(program = 'echo_server') {
  const server = await startProcess({
    command: `${DIR}/${program}`,
    args: ['0'],
    ready: (line) =>
      /^listening on (?:udp )?127\.0\.0\.1:(\d+)$/.exec(line)?.[1],
  })
  defer(() => server.kill())
  return { ...server, port: Number(server.ready) }
}

/** The relay CLI in front of `port` (or with `flags` and no default target), the one way every test starts it. */
const startRelay = (port: number | undefined, flags: readonly string[] = []) =>
  relayProcess(
    [
      ...flags,
      '127.0.0.1:0',
      ...(port === undefined ? [] : [`127.0.0.1:${port}`]),
    ],
    { cwd: REPO_ROOT },
  )

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
    const { code, stdout, stderr } = await runToExit('make', ['-C', DIR], {
      timeoutMs: 60_000,
    })
    expect(code, `make failed:\n${stdout}${stderr}`).toBe(0)
  }, 60_000)

  it('answers each line through the relay, however the bytes are split into frames', async () => {
    const server = await startCppServer()
    const relay = await startRelay(server.port)
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
    await server.stop('SIGTERM')
    expect(await server.exited).toEqual({ code: 0, signal: null })
    expect(server.stdout()).toContain('stopped')
  })

  it('closes the WebSocket with 1000 when the C++ server stops', async () => {
    const server = await startCppServer()
    const relay = await startRelay(server.port)
    const ws = new WebSocket(`ws://127.0.0.1:${relay.port}/`, 'binary')
    ws.on('error', () => undefined)
    await once(ws, 'open')
    const answer = receiveUntil(ws, (t) => t.endsWith('\n'))
    ws.send('ping\n')
    expect(await answer).toBe('ping from the server\n')

    const closed = once(ws, 'close')
    await server.stop('SIGINT')
    expect(await server.exited).toEqual({ code: 0, signal: null })
    const [code] = (await closed) as [number]
    expect(code).toBe(1000)
  })

  it('the UDP twin answers each datagram with one datagram through a UDP route, boundaries kept', async () => {
    const server = await startCppServer('udp_echo_server')
    const relay = await startRelay(undefined, [
      '--route',
      `game=udp:127.0.0.1:${server.port}`,
    ])
    const ws = new WebSocket(`ws://127.0.0.1:${relay.port}/game`, 'binary')
    ws.on('error', () => undefined)
    await once(ws, 'open')
    const messages: string[] = []
    const inputs = ['hello\n', 'one\ntwo', 'caf\xc3\xa9\r\n', '']
    const answered = new Promise<void>((resolve, reject) => {
      ws.on('message', (data: Buffer, isBinary: boolean) => {
        expect(isBinary).toBe(true)
        messages.push(data.toString('utf8'))
        if (messages.length === inputs.length) resolve()
      })
      ws.once('close', (code) => reject(new Error(`closed ${code}`)))
    })
    for (const input of inputs) ws.send(Buffer.from(input, 'latin1'))
    await answered
    // One message per datagram, each answered whole: no splitter needed.
    expect(messages).toEqual([
      'hello from the server\n',
      'one from the server\ntwo from the server',
      'café from the server\n',
      ' from the server',
    ])
    ws.close(1000)
    await server.stop('SIGTERM')
    expect(await server.exited).toEqual({ code: 0, signal: null })
    expect(server.stdout()).toContain('stopped')
  })

  it('refuses a bad port with a message naming it', async () => {
    for (const program of ['echo_server', 'udp_echo_server']) {
      const { code, stderr } = await runToExit(`${DIR}/${program}`, ['70000'])
      expect(code).toBe(2)
      expect(stderr).toBe('invalid port "70000": expected 0 to 65535\n')
    }
  })
})
