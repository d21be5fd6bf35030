import {
  mkdirSync,
  mkdtempSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeEach, describe, expect, it } from 'vitest'
import { httpRequest, RelayFixture, runRelayCli } from '@wsrelay/test-kit'

// Issue 7: `--web DIR` crashed on `Range: bytes=20-10`, served files through
// symlinks out of DIR, answered POST/PUT/DELETE/TRACE with the file, got
// single-byte and suffix ranges wrong, and failed with raw errors on a bad DIR.

const root = mkdtempSync(join(tmpdir(), 'wsrelay-web-'))
const dir = join(root, 'site')
const sibling = join(root, 'secret')
mkdirSync(dir)
mkdirSync(sibling)
const INDEX = Buffer.from(
  '<!doctype html><title>wsrelay</title><p>0123456789abcdefghijklmnopqrstuvwxyz</p>\n',
)
writeFileSync(join(dir, 'index.html'), INDEX)
writeFileSync(join(sibling, 'key.txt'), 'top secret\n')
symlinkSync('/etc/passwd', join(dir, 'passwd'))
symlinkSync(join(sibling, 'key.txt'), join(dir, 'key.txt'))
symlinkSync(sibling, join(dir, 'secret-dir'))

const fixture = new RelayFixture([
  '--web',
  dir,
  '127.0.0.1:0',
  '127.0.0.1:{ECHO}',
])
beforeEach(() => fixture.ready().then(() => undefined))
afterAll(async () => {
  await fixture.close()
  rmSync(root, { recursive: true, force: true })
})

const get = async (
  path: string,
  headers: Record<string, string> = {},
  method = 'GET',
) => {
  const relay = await fixture.ready()
  return httpRequest(relay.port, path, { method, headers })
}

describe('--web ranges (RFC 9110 14.2)', () => {
  // RFC 9110 14.2: a server "MAY ignore or reject" an invalid
  // ranges-specifier; the relay (send) rejects it, naming the length. It used
  // to crash the relay.
  it('answers an invalid range (bytes=20-10) with 416 naming the length, and lives', async () => {
    const res = await get('/index.html', { Range: 'bytes=20-10' })
    expect(
      await fixture.problem(),
      'relay alive and echoing afterwards',
    ).toBeUndefined()
    expect(res.status).toBe(416)
    expect(res.headers['content-range']).toBe(`bytes */${INDEX.length}`)
  })

  it('answers bytes=0-0 with 206 and exactly the first byte', async () => {
    const res = await get('/index.html', { Range: 'bytes=0-0' })
    expect(res.status).toBe(206)
    expect(res.headers['content-range']).toBe(`bytes 0-0/${INDEX.length}`)
    expect(res.body.equals(INDEX.subarray(0, 1))).toBe(true)
  })

  it('answers bytes=-5 with 206 and the last five bytes', async () => {
    const res = await get('/index.html', { Range: 'bytes=-5' })
    expect(res.status).toBe(206)
    expect(res.headers['content-range']).toBe(
      `bytes ${INDEX.length - 5}-${INDEX.length - 1}/${INDEX.length}`,
    )
    expect(res.body.equals(INDEX.subarray(-5))).toBe(true)
  })

  it('answers an unsatisfiable range with 416', async () => {
    const res = await get('/index.html', {
      Range: `bytes=${INDEX.length + 10}-${INDEX.length + 20}`,
    })
    expect(res.status).toBe(416)
    expect(res.headers['content-range']).toBe(`bytes */${INDEX.length}`)
  })
})

describe('--web methods', () => {
  it.each(['POST', 'PUT', 'DELETE', 'TRACE'])(
    'answers %s with 405 and Allow: GET, HEAD, never the file',
    async (method) => {
      const res = await get('/index.html', {}, method)
      expect(res.status).toBe(405)
      expect(res.headers.allow).toBe('GET, HEAD')
      expect(res.body.includes(INDEX)).toBe(false)
    },
  )

  it('answers HEAD with 200, the length and no body', async () => {
    const res = await get('/index.html', {}, 'HEAD')
    expect(res.status).toBe(200)
    expect(res.headers['content-length']).toBe(String(INDEX.length))
    expect(res.body.length).toBe(0)
  })
})

describe('--web symlinks', () => {
  it.each([
    ['/passwd', 'a symlink to /etc/passwd'],
    ['/key.txt', 'a symlink to a file in a sibling directory'],
    ['/secret-dir/key.txt', 'a symlinked sibling directory'],
  ])('answers %s (%s) with 404', async (path) => {
    const res = await get(path)
    expect(res.status).toBe(404)
    expect(res.body.toString()).not.toMatch(/root:|top secret/)
  })

  it('still serves the directory itself (control)', async () => {
    const res = await get('/')
    expect(res.status).toBe(200)
    expect(res.body.equals(INDEX)).toBe(true)
  })
})

describe('--web with a bad DIR', () => {
  const bad = mkdtempSync(join(tmpdir(), 'wsrelay-webbad-'))
  afterAll(() => rmSync(bad, { recursive: true, force: true }))
  symlinkSync(join(bad, 'nowhere'), join(bad, 'dangling'))
  symlinkSync(join(bad, 'loop-b'), join(bad, 'loop-a'))
  symlinkSync(join(bad, 'loop-a'), join(bad, 'loop-b'))

  it.each([
    ['a missing directory', join(bad, 'missing')],
    ['a dangling symlink', join(bad, 'dangling')],
    ['a symlink loop', join(bad, 'loop-a')],
  ])('exits 2 with a message naming --web for %s', async (_what, path) => {
    const result = await runRelayCli([
      '--web',
      path,
      '127.0.0.1:0',
      '127.0.0.1:9',
    ])
    expect(result.code).toBe(2)
    expect(result.stderr).toContain('--web')
    expect(result.stderr).toContain(path)
    expect(result.stderr).not.toMatch(/^\s+at /m)
  })
})
