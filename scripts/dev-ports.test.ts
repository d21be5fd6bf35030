import { createServer } from 'node:net'
import { describe, expect, it } from 'vitest'
import { devPortsFrom, isPortTaken, portTakenMessage } from './dev-ports.js'

describe('the ports of pnpm dev', () => {
  it('default to 5000, 8080 and 5173, and move with ECHO_PORT, RELAY_PORT and CONSOLE_PORT', () => {
    expect(devPortsFrom({})).toEqual({ echo: 5000, relay: 8080, console: 5173 })
    expect(
      devPortsFrom({
        ECHO_PORT: '15000',
        RELAY_PORT: '18080',
        CONSOLE_PORT: ' 15173 ',
      }),
    ).toEqual({ echo: 15000, relay: 18080, console: 15173 })
  })

  it('refuse a value that is not a port, naming the variable and the fix', () => {
    expect(() => devPortsFrom({ RELAY_PORT: 'abc' })).toThrow(
      'RELAY_PORT=abc is not a port: use a number from 1 to 65535, e.g. RELAY_PORT=8081 pnpm dev',
    )
    expect(() => devPortsFrom({ CONSOLE_PORT: '70000' })).toThrow(
      /^CONSOLE_PORT=70000 is not a port/,
    )
    expect(() => devPortsFrom({ ECHO_PORT: '0' })).toThrow(
      /^ECHO_PORT=0 is not a port/,
    )
  })

  it('refuse two services on one port', () => {
    expect(() => devPortsFrom({ RELAY_PORT: '5000' })).toThrow(
      'RELAY_PORT and ECHO_PORT are both 5000: give each its own port, e.g. RELAY_PORT=5001 pnpm dev',
    )
  })

  it('find a port another program holds, and say which variable moves it', async () => {
    const holder = createServer()
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve))
    const { port } = holder.address() as { port: number }
    expect(await isPortTaken(port)).toBe(true)
    await new Promise((resolve) => holder.close(resolve))
    expect(await isPortTaken(port)).toBe(false)
    expect(portTakenMessage('CONSOLE_PORT', 'the console', 5173)).toBe(
      'Port 5173 (CONSOLE_PORT, the console) is taken by another program. Stop it, or move the console: CONSOLE_PORT=5174 pnpm dev',
    )
  })
})
