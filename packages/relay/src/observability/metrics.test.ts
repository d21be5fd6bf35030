import { describe, expect, it } from 'vitest'
import { closeCodeLabel, createRelayMetrics } from './metrics.js'
import type { RegistrySnapshot } from './registry.js'

const empty: RegistrySnapshot = {
  connections: 0,
  peakConnections: 0,
  bufferedBytes: 0,
  peakBufferedBytes: 0,
  peakPendingToClient: 0,
  peakPendingToTarget: 0,
  budgetPauses: 0,
  budgetSheds: 0,
  totals: {
    bytesToTarget: 0,
    bytesToClient: 0,
    targetPauses: 0,
    clientPauses: 0,
    datagramsDropped: 0,
    bytesDropped: 0,
  },
}

describe('wsrelay_connections_closed_total', () => {
  it('keeps one series per known close code and one for the rest, whatever codes clients choose', async () => {
    const metrics = createRelayMetrics(() => empty)
    for (let code = 1000; code <= 4999; code++) metrics.closed(code)
    const series = (await metrics.registry.metrics())
      .split('\n')
      .filter((l) => l.startsWith('wsrelay_connections_closed_total{'))
    expect(series.length).toBeLessThan(30)
    // 24 codes the relay knows, each once; the other 3,976 in one series.
    expect(series).toContain(
      'wsrelay_connections_closed_total{code="other"} 3976',
    )
    expect(series).toContain('wsrelay_connections_closed_total{code="4102"} 1')
  })

  it('labels the codes the relay knows by number', () => {
    expect(closeCodeLabel(1000)).toBe('1000')
    expect(closeCodeLabel(1006)).toBe('1006')
    expect(closeCodeLabel(4105)).toBe('4105')
    expect(closeCodeLabel(3000)).toBe('other')
    expect(closeCodeLabel(4999)).toBe('other')
  })
})
