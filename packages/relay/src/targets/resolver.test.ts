import fc from 'fast-check'
import { afterEach, describe, expect, it, vi } from 'vitest'
import {
  createHostsFile,
  createLookupQueue,
  createTargetNames,
  LOOKUP_QUEUE_PER_SLOT,
  LookupRefused,
  TARGET_NAME_TTL_MS,
  type ResolvedAddress,
} from './resolver.js'

/** A lookup the test answers by hand: each call waits until `answer` or `fail`. */
function manualLookup() {
  const calls: {
    host: string
    answer: (a?: ResolvedAddress[]) => void
    fail: (e: Error) => void
  }[] = []
  const lookup = (host: string) =>
    new Promise<readonly ResolvedAddress[]>((resolve, reject) => {
      calls.push({
        host,
        answer: (a = [{ address: '192.0.2.1', family: 4 }]) => resolve(a),
        fail: reject,
      })
    })
  return { lookup, calls }
}

const flush = () => new Promise<void>((r) => setImmediate(r))

afterEach(() => {
  vi.useRealTimers()
})

describe('the lookup queue', () => {
  it('runs at most maxLookups at once; the rest wait in order and start as slots free', async () => {
    const { lookup, calls } = manualLookup()
    const queue = createLookupQueue(lookup, {
      maxLookups: 2,
      maxLookupsPerIp: 10,
      timeoutMs: 10_000,
    })
    const signal = new AbortController().signal
    const results = ['a', 'b', 'c', 'd'].map((h) =>
      queue.forClient(`10.0.0.${h.charCodeAt(0)}`).resolve(`${h}.test`, signal),
    )
    expect(calls.map((c) => c.host)).toEqual(['a.test', 'b.test'])
    expect(queue.stats()).toEqual({ running: 2, waiting: 2 })
    calls[0]?.answer()
    await flush()
    expect(calls.map((c) => c.host)).toEqual(['a.test', 'b.test', 'c.test'])
    for (const c of calls.slice(1)) c.answer()
    await flush()
    calls[3]?.answer()
    await expect(Promise.all(results)).resolves.toHaveLength(4)
    expect(queue.stats()).toEqual({ running: 0, waiting: 0 })
  })

  it('refuses past maxLookups and its queue, and past maxLookupsPerIp, at once, naming the flag', async () => {
    const { lookup } = manualLookup()
    const queue = createLookupQueue(lookup, {
      maxLookups: 1,
      maxLookupsPerIp: 2,
      timeoutMs: 10_000,
    })
    const signal = new AbortController().signal
    const one = queue.forClient('10.0.0.1')
    void one.resolve('a.test', signal).catch(() => undefined)
    void one.resolve('b.test', signal).catch(() => undefined)
    await expect(one.resolve('c.test', signal)).rejects.toMatchObject({
      code: 'RELAY_LOOKUPS_BUSY',
      message:
        'Too many name lookups from 10.0.0.1 at once (--max-lookups-per-ip 2). Try again later.',
    })
    // Fill the queue (one running, four per slot waiting) from other IPs.
    for (let i = 0; i < LOOKUP_QUEUE_PER_SLOT - 1; i++)
      void queue
        .forClient(`10.0.1.${i}`)
        .resolve('x.test', signal)
        .catch(() => undefined)
    expect(queue.stats()).toEqual({
      running: 1,
      waiting: LOOKUP_QUEUE_PER_SLOT,
    })
    await expect(
      queue.forClient('10.0.2.1').resolve('y.test', signal),
    ).rejects.toMatchObject({
      code: 'RELAY_LOOKUPS_BUSY',
      message:
        'The relay is resolving too many names at once (--max-lookups 1). Try again later.',
    })
  })

  it('drops a waiting lookup whose client left: it never reaches DNS', async () => {
    const { lookup, calls } = manualLookup()
    const queue = createLookupQueue(lookup, {
      maxLookups: 1,
      maxLookupsPerIp: 10,
      timeoutMs: 10_000,
    })
    const stays = new AbortController()
    const leaves = new AbortController()
    const first = queue.forClient('10.0.0.1').resolve('a.test', stays.signal)
    const gone = queue.forClient('10.0.0.2').resolve('b.test', leaves.signal)
    leaves.abort()
    await expect(gone).rejects.toBeInstanceOf(LookupRefused)
    expect(queue.stats()).toEqual({ running: 1, waiting: 0 })
    calls[0]?.answer()
    await first
    await flush()
    expect(calls.map((c) => c.host)).toEqual(['a.test'])
  })

  it('gives up on a lookup after timeoutMs with ETIMEOUT, keeping its slot until DNS answers', async () => {
    vi.useFakeTimers()
    const { lookup, calls } = manualLookup()
    const queue = createLookupQueue(lookup, {
      maxLookups: 1,
      maxLookupsPerIp: 10,
      timeoutMs: 1000,
    })
    const result = queue
      .forClient('10.0.0.1')
      .resolve('never.test', new AbortController().signal)
    const caught = result.catch((err: unknown) => err)
    await vi.advanceTimersByTimeAsync(1000)
    expect(await caught).toMatchObject({
      code: 'ETIMEOUT',
      message: 'No DNS answer within 1000 ms (ETIMEOUT).',
    })
    expect(queue.stats().running).toBe(1)
    calls[0]?.fail(Object.assign(new Error('late'), { code: 'ETIMEOUT' }))
    await vi.advanceTimersByTimeAsync(0)
    expect(queue.stats().running).toBe(0)
  })

  it('answers an IP literal at once, without a lookup or a slot', async () => {
    const { lookup, calls } = manualLookup()
    const queue = createLookupQueue(lookup, {
      maxLookups: 1,
      maxLookupsPerIp: 1,
      timeoutMs: 1000,
    })
    const signal = new AbortController().signal
    await expect(
      queue.forClient('10.0.0.1').resolve('::1', signal),
    ).resolves.toEqual([{ address: '::1', family: 6 }])
    expect(calls).toHaveLength(0)
  })

  // A model of many clients opening, leaving and being answered in any
  // order: the bounds hold at every step and every caller is settled.
  it('keeps its bounds and settles every caller, whatever clients and DNS do', async () => {
    type Step =
      | { kind: 'open'; ip: number }
      | { kind: 'leave'; at: number }
      | { kind: 'answer'; at: number; ok: boolean }
    const step: fc.Arbitrary<Step> = fc.oneof(
      fc.record({ kind: fc.constant('open' as const), ip: fc.nat(5) }),
      fc.record({ kind: fc.constant('leave' as const), at: fc.nat(40) }),
      fc.record({
        kind: fc.constant('answer' as const),
        at: fc.nat(40),
        ok: fc.boolean(),
      }),
    )
    await fc.assert(
      fc.asyncProperty(
        fc.array(step, { maxLength: 60 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 4 }),
        async (steps, maxLookups, maxLookupsPerIp) => {
          const { lookup, calls } = manualLookup()
          const queue = createLookupQueue(lookup, {
            maxLookups,
            maxLookupsPerIp,
            timeoutMs: 60_000,
          })
          const callers: {
            leave: AbortController
            settled: boolean
            left: boolean
          }[] = []
          const answered = new Set<number>()
          for (const s of steps) {
            if (s.kind === 'open') {
              const caller = {
                leave: new AbortController(),
                settled: false,
                left: false,
              }
              callers.push(caller)
              void queue
                .forClient(`10.0.0.${s.ip}`)
                .resolve('a.test', caller.leave.signal)
                .then(
                  () => (caller.settled = true),
                  () => (caller.settled = true),
                )
            } else if (s.kind === 'leave') {
              const caller = callers[s.at % Math.max(1, callers.length)]
              caller?.leave.abort()
              if (caller) caller.left = true
            } else {
              const i = s.at % Math.max(1, calls.length)
              if (calls[i] && !answered.has(i)) {
                answered.add(i)
                if (s.ok) calls[i].answer()
                else calls[i].fail(new Error('SERVFAIL'))
              }
            }
            await flush()
            const { running, waiting } = queue.stats()
            expect(running).toBeLessThanOrEqual(maxLookups)
            expect(waiting).toBeLessThanOrEqual(
              maxLookups * LOOKUP_QUEUE_PER_SLOT,
            )
            expect(running).toBe(calls.length - answered.size)
          }
          // Answer what is left: everyone is settled and nothing stays queued.
          for (
            let round = 0;
            round < 100 && calls.length > answered.size;
            round++
          ) {
            for (const [i, c] of calls.entries()) {
              if (answered.has(i)) continue
              answered.add(i)
              c.answer()
            }
            await flush()
          }
          await flush()
          expect(callers.every((c) => c.settled)).toBe(true)
          expect(queue.stats()).toEqual({ running: 0, waiting: 0 })
        },
      ),
      { numRuns: 150 },
    )
  })
})

describe("the operator's names", () => {
  it('looks a name up once for a crowd, then serves it from the cache until it is old', async () => {
    let now = 0
    const { lookup, calls } = manualLookup()
    const names = createTargetNames(lookup, () => now)
    const crowd = Array.from({ length: 50 }, () =>
      names.addressesOf('echo.internal'),
    )
    expect(calls).toHaveLength(1)
    calls[0]?.answer([{ address: '10.1.2.3', family: 4 }])
    for (const a of await Promise.all(crowd))
      expect(a).toEqual([{ address: '10.1.2.3', family: 4 }])
    await names.addressesOf('echo.internal')
    expect(calls).toHaveLength(1)
    now = TARGET_NAME_TTL_MS + 1
    // Old: answered from the cache at once, refreshed in the background.
    await expect(names.addressesOf('echo.internal')).resolves.toEqual([
      { address: '10.1.2.3', family: 4 },
    ])
    expect(calls).toHaveLength(2)
    calls[1]?.fail(new Error('SERVFAIL'))
    await flush()
    // A failed refresh keeps the last good answer.
    await expect(names.addressesOf('echo.internal')).resolves.toEqual([
      { address: '10.1.2.3', family: 4 },
    ])
  })
})

describe('the hosts file', () => {
  it('answers names in it (any case, trailing dot), re-read at most every 5 s', () => {
    let now = 0
    let text =
      '127.0.0.1 localhost  # loopback\n::1 localhost ip6-localhost\n\n10.1.2.3 game.internal\n'
    let reads = 0
    const hosts = createHostsFile(
      () => {
        reads++
        return text
      },
      () => now,
    )
    expect(hosts('LocalHost.')).toEqual([
      { address: '127.0.0.1', family: 4 },
      { address: '::1', family: 6 },
    ])
    expect(hosts('game.internal')).toEqual([{ address: '10.1.2.3', family: 4 }])
    expect(hosts('elsewhere.example')).toBeUndefined()
    text = '10.9.9.9 game.internal\n'
    expect(hosts('game.internal')).toEqual([{ address: '10.1.2.3', family: 4 }])
    now = 5001
    expect(hosts('game.internal')).toEqual([{ address: '10.9.9.9', family: 4 }])
    expect(reads).toBe(2)
  })
})

describe("the operator's names after a failed connection", () => {
  it('look the name up afresh for the next connection', async () => {
    const { lookup, calls } = manualLookup()
    const names = createTargetNames(lookup, () => 0)
    const first = names.addressesOf('echo')
    calls[0]?.answer([{ address: '10.0.0.1', family: 4 }])
    await first
    names.forget('echo')
    const next = names.addressesOf('echo')
    expect(calls).toHaveLength(2)
    calls[1]?.answer([{ address: '10.0.0.2', family: 4 }])
    await expect(next).resolves.toEqual([{ address: '10.0.0.2', family: 4 }])
  })
})
