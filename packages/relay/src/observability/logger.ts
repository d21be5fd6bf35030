import { pino, type Logger } from 'pino'
import type { Redact } from './redaction.js'

export type { Logger }

/** A logger that writes nothing: the library's default, so embedding stays quiet. */
export function createSilentLogger(): Logger {
  return pino({ enabled: false })
}

const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const

/** A log argument with every string in it redacted (objects and errors a few levels deep). */
function redactValue(value: unknown, redact: Redact, depth = 0): unknown {
  if (typeof value === 'string') return redact(value)
  if (typeof value !== 'object' || value === null || depth > 3) return value
  if (value instanceof Error) {
    const copy = Object.create(Object.getPrototypeOf(value) as object) as Error
    for (const [k, v] of Object.entries(value))
      (copy as unknown as Record<string, unknown>)[k] = redactValue(
        v,
        redact,
        depth + 1,
      )
    copy.message = redact(value.message)
    if (value.stack !== undefined) copy.stack = redact(value.stack)
    return copy
  }
  if (Array.isArray(value))
    return value.map((v) => redactValue(v, redact, depth + 1))
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(value))
    out[k] = redactValue(v, redact, depth + 1)
  return out
}

/**
 * The relay's logger: `logger` with every line (message, fields, its
 * children's bindings) passed through the redaction point first.
 */
export function redactingLogger(logger: Logger, redact: Redact): Logger {
  const wrapped = Object.create(logger) as Logger
  for (const level of LEVELS) {
    const method: (...args: unknown[]) => void = logger[level]
    const write = (...args: unknown[]): void => method.apply(logger, args)
    ;(wrapped as unknown as Record<string, unknown>)[level] = (
      ...args: unknown[]
    ) => write(...args.map((a) => redactValue(a, redact)))
  }
  const child = (bindings: pino.Bindings, options?: pino.ChildLoggerOptions) =>
    redactingLogger(
      logger.child(redactValue(bindings, redact) as pino.Bindings, options),
      redact,
    )
  wrapped.child = child as unknown as Logger['child']
  return wrapped
}
