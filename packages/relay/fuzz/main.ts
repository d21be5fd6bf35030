import { parseArgs } from 'node:util'
import { formatFailure, replay, runFuzz } from './fuzzer.js'

// `pnpm fuzz`: the raw-socket fuzzer for longer than CI runs it.
// Usage: node fuzz/dist/main.js [--seconds N] [--seed S] [--replay INDEX | --replay-hex HEX,HEX]

const USAGE = `Usage: pnpm fuzz [--seconds N] [--seed S] [--batch N] [--replay INDEX] [--replay-hex HEX,HEX...]
  --seconds N      time budget (default 600)
  --seed S         seed of the input stream (default: random, printed)
  --batch N        inputs sent at once between health checks (default 16)
  --keep-going     after a failure, restart the relay and go on (up to 50 failures)
  --replay INDEX   send input INDEX of --seed S once to a fresh relay
  --replay-hex H   send these TCP writes (hex, comma-separated) once to a fresh relay
`

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      seconds: { type: 'string', default: '600' },
      seed: { type: 'string' },
      batch: { type: 'string', default: '16' },
      'keep-going': { type: 'boolean' },
      replay: { type: 'string' },
      'replay-hex': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  })
  if (values.help) {
    process.stdout.write(USAGE)
    return 0
  }
  const seed =
    values.seed === undefined
      ? Math.floor(Math.random() * 2 ** 31)
      : Number(values.seed)
  const seconds = Number(values.seconds)
  const batchSize = Number(values.batch)
  if (!Number.isInteger(seed) || !(seconds > 0) || !(batchSize >= 1)) {
    process.stderr.write(
      `fuzz: --seed, --seconds and --batch take whole numbers.\n${USAGE}`,
    )
    return 2
  }
  if (values['replay-hex'] !== undefined || values.replay !== undefined) {
    const problem = await replay(
      values['replay-hex'] !== undefined
        ? { hex: values['replay-hex'].split(',') }
        : { seed, index: Number(values.replay) },
    )
    process.stdout.write(
      problem === undefined
        ? 'replay: the relay survived and still echoes\n'
        : `replay: ${problem}\n`,
    )
    return problem === undefined ? 0 : 1
  }
  const report = await runFuzz({
    seconds,
    seed,
    batchSize,
    maxFailures: values['keep-going'] ? 50 : 1,
    log: (line) => process.stdout.write(`${line}\n`),
  })
  for (const f of report.failures) process.stdout.write(`${formatFailure(f)}\n`)
  process.stdout.write(
    `fuzz: seed ${report.seed}: ${report.inputsTried} inputs in ${(report.elapsedMs / 1000).toFixed(0)} s, ` +
      `${report.failures.length === 0 ? 'found nothing' : `${report.failures.length} failure(s)`}; ` +
      `RSS ${(report.baselineRssBytes / 2 ** 20).toFixed(0)} -> peak ${(report.peakRssBytes / 2 ** 20).toFixed(0)} MiB\n`,
  )
  return report.failures.length === 0 ? 0 : 1
}

main().then(
  (code) => {
    process.exitCode = code
  },
  (err: unknown) => {
    process.stderr.write(`fuzz: ${(err as Error).stack ?? String(err)}\n`)
    process.exitCode = 1
  },
)
