import { describe, expect, it } from 'vitest'
import {
  meetsGoal,
  median,
  parseCpuTimes,
  parseProcStat,
  parseProcStatus,
  profileByLayer,
  spreadPercent,
  summarizeProfile,
} from './bench-stats.js'

describe('median', () => {
  it('takes the middle value of an odd count and the mean of the middle two of an even one', () => {
    expect(median([3, 1, 2])).toBe(2)
    expect(median([4, 1, 3, 2])).toBe(2.5)
  })
  it('ignores failed runs (NaN) and is NaN when no run succeeded', () => {
    expect(median([NaN, 5, 7, 9])).toBe(7)
    expect(median([NaN])).toBeNaN()
  })
})

describe('spreadPercent', () => {
  it('is half the range as a share of the median', () => {
    expect(spreadPercent([90, 100, 110])).toBeCloseTo(10)
  })
  it('is 0 for a single run', () => {
    expect(spreadPercent([42])).toBe(0)
  })
})

describe('parseProcStat', () => {
  it('adds utime and stime, counting fields after a comm that holds spaces and parentheses', () => {
    const line =
      '4242 (node (my) relay) S 1 4242 4242 0 -1 4194304 100 0 0 0 250 130 0 0 20 0 7 0 95917 3133440 389'
    expect(parseProcStat(line, 100)).toBeCloseTo(3.8)
  })
  it('adds the waited-for children (cutime, cstime) when asked', () => {
    const line =
      '4242 (bench) S 1 4242 4242 0 -1 4194304 100 0 0 0 250 130 700 20 20 0 7 0 95917 3133440 389'
    expect(parseProcStat(line, 100, true)).toBeCloseTo(11.0)
  })
  it('names the input when it is not a stat line', () => {
    expect(() => parseProcStat('nonsense')).toThrow(
      'Not a /proc/PID/stat line: "nonsense"',
    )
  })
})

describe('parseProcStatus', () => {
  it('reads VmRSS and VmHWM in bytes', () => {
    const text =
      'Name:\tnode\nVmHWM:\t   81920 kB\nVmRSS:\t   40960 kB\nThreads:\t7\n'
    expect(parseProcStatus(text)).toEqual({
      rssBytes: 40960 * 1024,
      peakRssBytes: 81920 * 1024,
    })
  })
  it('says which line is missing', () => {
    expect(() => parseProcStatus('Name:\tnode\nVmHWM:\t1 kB\n')).toThrow(
      'No VmRSS line in /proc/PID/status',
    )
  })
})

describe('summarizeProfile', () => {
  it('merges call paths of one function and leaves idle out of the shares', () => {
    const frame = (functionName: string, url = '', lineNumber = 0) => ({
      functionName,
      url,
      lineNumber,
    })
    const spots = summarizeProfile({
      nodes: [
        { id: 1, hitCount: 50, callFrame: frame('(idle)') },
        {
          id: 2,
          hitCount: 30,
          callFrame: frame(
            'unmask',
            'file:///r/node_modules/.pnpm/ws@8/node_modules/ws/lib/buffer-util.js',
            9,
          ),
        },
        {
          id: 3,
          hitCount: 10,
          callFrame: frame(
            'unmask',
            'file:///r/node_modules/.pnpm/ws@8/node_modules/ws/lib/buffer-util.js',
            9,
          ),
        },
        { id: 4, hitCount: 10, callFrame: frame('(garbage collector)') },
      ],
    })
    expect(spots).toEqual([
      { name: 'unmask', where: 'ws/lib/buffer-util.js:10', selfPercent: 80 },
      { name: '(garbage collector)', where: '', selfPercent: 20 },
    ])
  })
})

describe('profileByLayer', () => {
  it('puts native socket writes, ws, Node internals and wsrelay code in their own layers', () => {
    const node = (
      id: number,
      hitCount: number,
      functionName: string,
      url: string,
    ) => ({
      id,
      hitCount,
      callFrame: { functionName, url, lineNumber: 0 },
    })
    expect(
      profileByLayer({
        nodes: [
          node(1, 100, '(idle)', ''),
          node(2, 50, 'writev', ''),
          node(
            3,
            20,
            'consume',
            'file:///r/node_modules/.pnpm/ws@8.23.0/node_modules/ws/lib/receiver.js',
          ),
          node(4, 20, 'emit', 'node:events'),
          node(
            5,
            10,
            'onTargetData',
            'file:///r/packages/relay/dist/bridge.js',
          ),
        ],
      }),
    ).toEqual({
      'socket syscalls (native writev/writeBuffer)': 50,
      'ws library': 20,
      'Node internals (streams, events, ticks)': 20,
      'wsrelay code': 10,
    })
  })
})

describe('summarizeProfile with a time window', () => {
  it('counts only the samples taken inside the window', () => {
    const frame = (functionName: string) => ({
      functionName,
      url: '',
      lineNumber: 0,
    })
    const profile = {
      nodes: [
        { id: 1, hitCount: 2, callFrame: frame('load modules') },
        { id: 2, hitCount: 2, callFrame: frame('writev') },
      ],
      startTime: 1000,
      samples: [1, 1, 2, 2],
      timeDeltas: [10, 10, 100, 10],
    }
    expect(summarizeProfile(profile, 5, { fromUs: 1100, toUs: 2000 })).toEqual([
      { name: 'writev', where: '', selfPercent: 100 },
    ])
  })
})

describe('parseCpuTimes', () => {
  it('counts user, nice, system, irq, softirq and steal as busy, idle and iowait as not', () => {
    const text =
      'cpu  100 5 50 1000 20 3 2 10 0 0\ncpu0 50 2 25 500 10 1 1 5 0 0\n'
    expect(parseCpuTimes(text)).toEqual({ busy: 170, total: 1190 })
  })
  it('says what is missing', () => {
    expect(() => parseCpuTimes('intr 1 2 3')).toThrow(
      'No "cpu" line in /proc/stat',
    )
  })
})

describe('meetsGoal', () => {
  it('checks an upper bound, a lower bound, and says nothing without a figure', () => {
    expect(meetsGoal(1.4, { kind: 'ratio', atMost: 1.5 })).toBe(true)
    expect(meetsGoal(1.6, { kind: 'ratio', atMost: 1.5 })).toBe(false)
    expect(meetsGoal(0.9, { kind: 'ratio', atLeast: 1 })).toBe(false)
    expect(meetsGoal(NaN, { kind: 'absolute', atMost: 40 })).toBeUndefined()
  })
})
