import { describe, expect, it } from 'vitest'
import { UPGRADE_REFUSALS, upgradeRefusalInfo } from './upgrade-refusals.js'

describe('upgrade refusals', () => {
  it('gives each refusal one row with a status, a meaning and a hint', () => {
    const names = UPGRADE_REFUSALS.map((r) => r.name)
    expect(new Set(names).size).toBe(names.length)
    for (const row of UPGRADE_REFUSALS) {
      expect(row.status).toBeGreaterThanOrEqual(400)
      expect(row.meaning).toMatch(/\.$/)
      expect(row.hint.length).toBeGreaterThan(10)
    }
    expect(upgradeRefusalInfo('HOST_NOT_ALLOWED').status).toBe(403)
  })

  it('refuses to describe a refusal the relay never answers with', () => {
    expect(() => upgradeRefusalInfo('TEAPOT')).toThrow(
      'The relay never refuses an upgrade as TEAPOT.',
    )
  })
})
