import { describe, expect, it } from 'vitest'
import { startProcess } from './processes.js'

const node = (script: string) => ({
  command: process.execPath,
  args: ['-e', script],
})

describe('startProcess', () => {
  it('resolves with what the ready line says, and keeps the JSON lines', async () => {
    const watched = await startProcess({
      ...node(
        'console.log(JSON.stringify({ msg: "up", port: 1234 })); setInterval(() => {}, 1000)',
      ),
      ready: (_line, json) => (json?.msg === 'up' ? json.port : undefined),
    })
    expect(watched.ready).toBe(1234)
    expect(watched.logs).toEqual([{ msg: 'up', port: 1234 }])
    expect(watched.isAlive()).toBe(true)
    await watched.stop()
    expect(await watched.exited).toEqual({ code: null, signal: 'SIGTERM' })
  })

  it('fails with the stderr when the process exits before it is ready', async () => {
    await expect(
      startProcess({
        ...node('console.error("no config"); process.exit(3)'),
        name: 'broken',
        ready: () => undefined,
      }),
    ).rejects.toThrow(/^broken exited \(3\) before it was ready\.\nno config/)
  })

  it('kills a process that is not ready in time', async () => {
    await expect(
      startProcess({
        ...node('setInterval(() => {}, 1000)'),
        name: 'silent',
        readyTimeoutMs: 300,
        ready: () => undefined,
      }),
    ).rejects.toThrow('silent was not ready within 300 ms.')
  })
})
