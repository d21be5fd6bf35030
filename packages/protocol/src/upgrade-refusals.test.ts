import { describe, expect, it } from 'vitest'
import { UPGRADE_REFUSALS, upgradeRefusalInfo } from './upgrade-refusals.js'

describe('upgrade refusals', () => {
  it('gives each status one row with a meaning and a hint', () => {
    const statuses = UPGRADE_REFUSALS.map((r) => r.status)
    expect(new Set(statuses).size).toBe(statuses.length)
    for (const row of UPGRADE_REFUSALS) {
      expect(row.status).toBeGreaterThanOrEqual(400)
      expect(row.meaning).toMatch(/\.$/)
      expect(row.hint.length).toBeGreaterThan(10)
    }
    expect(upgradeRefusalInfo(403).name).toBe('HOST_NOT_ALLOWED')
  })

  it('refuses to describe a status the relay never answers with', () => {
    expect(() => upgradeRefusalInfo(418)).toThrow(
      'The relay never refuses an upgrade with 418.',
    )
  })
})
