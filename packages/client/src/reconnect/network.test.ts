import { describe, expect, it } from 'vitest'
import { browserNetwork } from './network.js'

describe('browserNetwork', () => {
  it("follows navigator.onLine and the window's online/offline events", () => {
    const target = new EventTarget()
    const scope = {
      navigator: { onLine: true },
      addEventListener: target.addEventListener.bind(target),
      removeEventListener: target.removeEventListener.bind(target),
    }
    const network = browserNetwork(scope)
    const seen: boolean[] = []
    const off = network.subscribe((isOnline) => seen.push(isOnline))
    expect(network.isOnline).toBe(true)
    scope.navigator.onLine = false
    target.dispatchEvent(new Event('offline'))
    expect(network.isOnline).toBe(false)
    target.dispatchEvent(new Event('online'))
    off()
    target.dispatchEvent(new Event('offline'))
    expect(seen).toEqual([false, true])
  })

  it('is always online where there is no browser (Node)', () => {
    const network = browserNetwork({})
    expect(network.isOnline).toBe(true)
    expect(() => network.subscribe(() => undefined)()).not.toThrow()
  })
})
