import { expect, it } from 'vitest'
import { formatFailure, runFuzz } from './fuzzer.js'

// CI mode of the raw-socket fuzzer: about a minute against the real
// CLI. WSRELAY_FUZZ_SECONDS and WSRELAY_FUZZ_SEED change the budget and seed;
// `pnpm fuzz` runs it for longer.

const SECONDS = Number(process.env.WSRELAY_FUZZ_SECONDS ?? 60)
const SEED = Number(
  process.env.WSRELAY_FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31),
)

it(
  `survives ${SECONDS} s of fuzzed handshakes, frames, control messages and paths (seed ${SEED})`,
  async () => {
    const report = await runFuzz({ seconds: SECONDS, seed: SEED })
    console.log(
      `fuzz: seed ${report.seed}: ${report.inputsTried} inputs in ${(report.elapsedMs / 1000).toFixed(0)} s, ` +
        `${report.failures.length === 0 ? 'found nothing' : 'FAILED'}`,
    )
    expect(report.failures.map(formatFailure)).toEqual([])
    expect(report.inputsTried).toBeGreaterThan(0)
  },
  (SECONDS + 90) * 1000,
)
