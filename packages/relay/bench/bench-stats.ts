/**
 * Pure helpers of the relay bench: medians and spread across runs, Linux
 * /proc parsing, CPU profile summaries. No I/O, so they are unit-tested.
 */

/** The median of `values` (mean of the middle two for an even count); NaN when empty. */
export function median(values: readonly number[]): number {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b)
  if (sorted.length === 0) return NaN
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2
}

/** Half the range of `values` as a percentage of their median: 0 for one run. */
export function spreadPercent(values: readonly number[]): number {
  const finite = values.filter((v) => Number.isFinite(v))
  const mid = median(finite)
  if (finite.length < 2 || !mid) return 0
  return ((Math.max(...finite) - Math.min(...finite)) / 2 / Math.abs(mid)) * 100
}

/**
 * CPU time a process has used, from the text of /proc/PID/stat; with
 * `withChildren`, also that of its children it has waited for.
 */
export function parseProcStat(
  text: string,
  ticksPerSecond = 100,
  withChildren = false,
): number {
  // Field 2 (comm) is in parentheses and may hold spaces or ')', so count
  // fields from the last ')': utime and stime are fields 14 and 15 (proc(5)).
  const close = text.lastIndexOf(')')
  if (close < 0)
    throw new Error(`Not a /proc/PID/stat line: "${text.slice(0, 40)}"`)
  const fields = text
    .slice(close + 2)
    .trim()
    .split(/\s+/)
  const utime = Number(fields[11])
  const stime = Number(fields[12])
  const children = withChildren ? Number(fields[13]) + Number(fields[14]) : 0
  if (
    !Number.isFinite(utime) ||
    !Number.isFinite(stime) ||
    !Number.isFinite(children)
  ) {
    throw new Error(`No utime/stime in /proc/PID/stat: "${text.slice(0, 80)}"`)
  }
  return (utime + stime + children) / ticksPerSecond
}

/** Resident and peak resident memory in bytes, from the text of /proc/PID/status. */
export function parseProcStatus(text: string): {
  rssBytes: number
  peakRssBytes: number
} {
  const kib = (key: string): number => {
    const match = new RegExp(`^${key}:\\s+(\\d+) kB$`, 'm').exec(text)
    if (!match) throw new Error(`No ${key} line in /proc/PID/status`)
    return Number(match[1]) * 1024
  }
  return { rssBytes: kib('VmRSS'), peakRssBytes: kib('VmHWM') }
}

/** A V8 `.cpuprofile`: the parts the summary reads. */
export interface CpuProfile {
  nodes: {
    id: number
    hitCount?: number
    callFrame: { functionName: string; url: string; lineNumber: number }
  }[]
  /** Microseconds on the monotonic clock (the one process.hrtime reads). */
  startTime?: number
  samples?: number[]
  timeDeltas?: number[]
}

/** A span of the monotonic clock, in microseconds. */
export interface TimeWindow {
  fromUs: number
  toUs: number
}

/**
 * Samples per profile node: all of them, or only those taken inside `window`
 * (so start-up and shutdown stay out of a profile of the load).
 */
function hitsByNode(
  profile: CpuProfile,
  window?: TimeWindow,
): Map<number, number> {
  const hits = new Map<number, number>()
  const { samples, timeDeltas, startTime } = profile
  if (!window || !samples || !timeDeltas || startTime === undefined) {
    for (const node of profile.nodes) hits.set(node.id, node.hitCount ?? 0)
    return hits
  }
  let at = startTime
  samples.forEach((id, i) => {
    at += timeDeltas[i] ?? 0
    if (at >= window.fromUs && at <= window.toUs) {
      hits.set(id, (hits.get(id) ?? 0) + 1)
    }
  })
  return hits
}

/** One line of a profile summary: a function and its share of the samples. */
export interface HotSpot {
  name: string
  where: string
  selfPercent: number
}

/**
 * Self time per function as a share of all busy samples (idle excluded),
 * merged across call paths, highest first.
 */
export function summarizeProfile(
  profile: CpuProfile,
  top = 20,
  window?: TimeWindow,
): HotSpot[] {
  const hitsOf = hitsByNode(profile, window)
  const bySite = new Map<string, HotSpot & { hits: number }>()
  let busy = 0
  for (const node of profile.nodes) {
    const hits = hitsOf.get(node.id) ?? 0
    const { functionName, url, lineNumber } = node.callFrame
    if (hits === 0 || functionName === '(idle)') continue
    busy += hits
    const file = url
      .replace(/^file:\/\//, '')
      .replace(/^.*\/node_modules\/(\.pnpm\/[^/]+\/node_modules\/)?/, '')
    const where = url ? `${file}:${lineNumber + 1}` : ''
    const name = functionName || '(anonymous)'
    const key = `${name} ${where}`
    const site = bySite.get(key) ?? { name, where, selfPercent: 0, hits: 0 }
    site.hits += hits
    bySite.set(key, site)
  }
  return [...bySite.values()]
    .sort((a, b) => b.hits - a.hits)
    .slice(0, top)
    .map(({ name, where, hits }) => ({
      name,
      where,
      selfPercent: busy ? (hits / busy) * 100 : 0,
    }))
}

/** Where a profile's busy samples went, by layer, as shares of all busy samples. */
export function profileByLayer(
  profile: CpuProfile,
  window?: TimeWindow,
): Record<string, number> {
  const hitsOf = hitsByNode(profile, window)
  const layers: Record<string, number> = {}
  let busy = 0
  for (const node of profile.nodes) {
    const hits = hitsOf.get(node.id) ?? 0
    const { functionName, url } = node.callFrame
    if (hits === 0 || functionName === '(idle)') continue
    busy += hits
    const layer = layerOf(functionName, url)
    layers[layer] = (layers[layer] ?? 0) + hits
  }
  return Object.fromEntries(
    Object.entries(layers)
      .sort((a, b) => b[1] - a[1])
      .map(([layer, hits]) => [layer, (hits / busy) * 100]),
  )
}

function layerOf(functionName: string, url: string): string {
  if (url === '') {
    if (
      /^(writev|writeBuffer|write\w*String|readStart|readStop)$/.test(
        functionName,
      )
    ) {
      return 'socket syscalls (native writev/writeBuffer)'
    }
    if (functionName === '(garbage collector)') return 'garbage collector'
    return 'other native / VM'
  }
  if (/\/ws\/lib\//.test(url)) return 'ws library'
  if (/\/(pino|thread-stream|sonic-boom)[^/]*\//.test(url))
    return 'logging (pino)'
  if (/\/packages\/relay\/dist\//.test(url)) return 'wsrelay code'
  if (/\/(prom-client|@wsrelay\/protocol|packages\/protocol)\//.test(url))
    return 'wsrelay dependencies'
  if (
    url.startsWith('node:internal/modules') ||
    url.startsWith('node:internal/bootstrap') ||
    url.includes('cjs-module-lexer')
  ) {
    return 'start-up (module loading)'
  }
  if (url.startsWith('node:')) return 'Node internals (streams, events, ticks)'
  return 'other JavaScript'
}

/** Busy and total CPU time of the whole machine, in clock ticks, from the text of /proc/stat. */
export function parseCpuTimes(text: string): { busy: number; total: number } {
  const line = /^cpu\s+([\d\s]+)$/m.exec(text)?.[1]
  if (!line) throw new Error('No "cpu" line in /proc/stat')
  // user nice system idle iowait irq softirq steal (guest time is inside user).
  const [
    user = 0,
    nice = 0,
    system = 0,
    idle = 0,
    iowait = 0,
    irq = 0,
    softirq = 0,
    steal = 0,
  ] = line.trim().split(/\s+/).map(Number)
  const busy = user + nice + system + irq + softirq + steal
  return { busy, total: busy + idle + iowait }
}

/** A goal stated against the reference peer (a ratio) or as an absolute figure. */
export interface Goal {
  /** `ratio`: wsrelay's figure divided by the reference's; `absolute`: wsrelay's own figure. */
  readonly kind: 'ratio' | 'absolute'
  readonly atMost?: number
  readonly atLeast?: number
}

/** Whether `value` (a ratio or a figure, as the goal says) meets `goal`; undefined when it is not a number. */
export function meetsGoal(value: number, goal: Goal): boolean | undefined {
  if (!Number.isFinite(value)) return undefined
  if (goal.atMost !== undefined && value > goal.atMost) return false
  if (goal.atLeast !== undefined && value < goal.atLeast) return false
  return true
}
