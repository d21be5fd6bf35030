import { nginxConfigAround, startNginx } from './nginx.js'
import type { ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { lacks } from '@wsrelay/test-kit/tools'
import {
  freePort,
  startEchoServer,
  type TestTcpServer,
} from '@wsrelay/test-kit'
import { createRelay, type Relay } from '../server/create-relay.js'
import { openWebSocket, readBytes } from '../test-support/sockets.js'
import { captureLogs } from '../test-support/streams.js'

const DEPLOY_CONF = fileURLToPath(
  new URL('../../../../deploy/nginx.conf', import.meta.url),
)

/** deploy/nginx.conf as shipped, with only the two ports moved onto test ports. */
function renderConfig(
  prefix: string,
  nginxPort: number,
  relayPort: number,
): string {
  const shipped = readFileSync(DEPLOY_CONF, 'utf8')
  const site = shipped
    .replace('server 127.0.0.1:8080;', `server 127.0.0.1:${relayPort};`)
    .replace('listen 80;', `listen 127.0.0.1:${nginxPort};`)
  if (
    !site.includes(`server 127.0.0.1:${relayPort};`) ||
    !site.includes(`listen 127.0.0.1:${nginxPort};`)
  ) {
    throw new Error(
      'deploy/nginx.conf no longer has "server 127.0.0.1:8080;" and "listen 80;": update this test',
    )
  }
  return nginxConfigAround(site, prefix, 64)
}

const lacksNginx = lacks('nginx')

describe.skipIf(lacksNginx)('behind a real nginx (deploy/nginx.conf)', () => {
  let nginx: ChildProcess | undefined
  let relay: Relay | undefined
  let echo: TestTcpServer | undefined
  let nginxPort = 0
  const { logger, lines } = captureLogs()

  beforeAll(async () => {
    echo = await startEchoServer()
    relay = createRelay({
      target: `127.0.0.1:${echo.port}`,
      trustProxy: ['127.0.0.1'],
      logger,
    })
    const { port: relayPort } = await relay.listen()
    nginxPort = await freePort()
    const prefix = mkdtempSync(join(tmpdir(), 'wsrelay-nginx-'))
    const conf = join(prefix, 'nginx.conf')
    writeFileSync(conf, renderConfig(prefix, nginxPort, relayPort))
    nginx = await startNginx(prefix, nginxPort)
  })

  afterAll(async () => {
    if (nginx && nginx.exitCode === null) {
      const exited = once(nginx, 'exit')
      nginx.kill('SIGQUIT') // graceful stop
      await exited
    }
    await relay?.close()
    await echo?.close()
  })

  it("relays a browser through nginx, same origin, with the browser's own address in the log", async () => {
    const ws = await openWebSocket(
      `ws://127.0.0.1:${nginxPort}/relay`,
      'binary',
      {
        origin: `http://127.0.0.1:${nginxPort}`, // the page nginx served
        localAddress: '127.0.0.2',
      },
    )
    ws.send('through nginx')
    expect((await readBytes(ws, 13)).toString()).toBe('through nginx')
    ws.close()
    expect(
      lines.filter((l) => l.msg === 'connection open').at(-1),
    ).toMatchObject({ client: '127.0.0.2' })
  })

  it('ignores an X-Forwarded-For the browser forged', async () => {
    const ws = await openWebSocket(
      `ws://127.0.0.1:${nginxPort}/relay`,
      undefined,
      {
        headers: { 'X-Forwarded-For': '6.6.6.6' },
        localAddress: '127.0.0.3',
      },
    )
    ws.send('x')
    await readBytes(ws, 1)
    ws.close()
    expect(
      lines.filter((l) => l.msg === 'connection open').at(-1),
    ).toMatchObject({ client: '127.0.0.3' })
  })
})
