import { PassThrough } from 'node:stream'
import { SUBPROTOCOL_V1 } from '@wsrelay/protocol'
import { expect, it } from 'vitest'
import { RawConnection } from '@wsrelay/test-kit'
import { createRelay } from '../server/create-relay.js'
import { createHarness } from '../test-support/harness.js'
import { createCliLogger, escapeControls } from './logger.js'

const { defer, echoServer } = createHarness()

it('escapes a newline, a carriage return and ESC as JSON writes them', () => {
  expect(escapeControls('a\nb\r\u001b[31mc\u2028')).toBe(
    'a\\nb\\r\\u001b[31mc\\u2028',
  )
})

it('prints no line a client wrote, in the readable (terminal) format', async () => {
  const out = new PassThrough()
  let text = ''
  out.on('data', (c: Buffer) => (text += c.toString()))
  const logger = createCliLogger('info', 'pretty', true, { destination: out })
  const echo = await echoServer()
  const relay = createRelay({
    route: { echo: `127.0.0.1:${echo.port}` },
    logger,
  })
  const { port } = await relay.listen()
  defer(() => relay.close())
  const forged = '[12:00:00.000] INFO: forged ok'
  // A control message whose type is a newline and a forged line.
  const v1 = await RawConnection.open(port, { protocols: [SUBPROTOCOL_V1] })
  defer(() => v1.destroy())
  v1.sendText(JSON.stringify({ type: `\n${forged}` }))
  await v1.waitForEnd(3000)
  // A path naming a route "\n[12:00:00.000] INFO: forged ok" on a relay with no fixed target.
  const path = await RawConnection.open(port, {
    path: `/%0a${encodeURIComponent(forged)}`,
    protocols: ['binary'],
  })
  defer(() => path.destroy())
  await path.waitForEnd(3000)
  await relay.close()
  expect(text).toContain('forged ok')
  const lines = text.split('\n')
  expect(lines.filter((l) => l.startsWith('[12:00:00.000]'))).toEqual([])
  expect(lines.filter((l) => l.includes(forged) && !l.includes('\\n'))).toEqual(
    [],
  )
})
