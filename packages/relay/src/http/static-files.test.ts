import { mkdtempSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { resolveWebRoot } from './static-files.js'

describe('resolveWebRoot', () => {
  it('names --web and the fix for a missing directory, a dangling symlink and a loop', () => {
    const dir = mkdtempSync(join(tmpdir(), 'wsrelay-webroot-'))
    symlinkSync(join(dir, 'nothing'), join(dir, 'dangling'))
    symlinkSync(join(dir, 'loop-b'), join(dir, 'loop-a'))
    symlinkSync(join(dir, 'loop-a'), join(dir, 'loop-b'))
    expect(() => resolveWebRoot(join(dir, 'missing'))).toThrow(
      /^Cannot serve --web .*missing \(ENOENT\): no such directory \(or a symlink to nothing\)\. Give the directory of the built pages, e\.g\. --web apps\/console\/dist\.$/,
    )
    expect(() => resolveWebRoot(join(dir, 'dangling'))).toThrow(/\(ENOENT\)/)
    expect(() => resolveWebRoot(join(dir, 'loop-a'))).toThrow(
      /\(ELOOP\): a symlink loop\./,
    )
    expect(resolveWebRoot(dir)).toBe(dir)
  })
})
