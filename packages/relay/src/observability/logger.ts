import { pino, type Logger } from 'pino'
import { loadOnUse } from '../load-on-use.js'
import type { Redact } from './redaction.js'

/** Loaded only for a terminal (`--log-format pretty`, or auto on a TTY). */
const pinoPretty = loadOnUse<typeof import('pino-pretty')>('pino-pretty')

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

/** C0 and C1 controls, DEL, and the Unicode line and paragraph separators. */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g

/**
 * Escapes what a terminal would act on (a newline, a carriage return, an
 * escape sequence) as JSON writes it: `\n`, `\r`, `\u001b`. A log line
 * quotes text from the network, and must stay one line.
 */
export function escapeControls(text: string): string {
  return text.replace(CONTROL, (c) =>
    c === '\n'
      ? '\\n'
      : c === '\r'
        ? '\\r'
        : c === '\t'
          ? '\\t'
          : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  )
}

/**
 * The command line's logger: JSON lines, or readable lines on a terminal
 * (`format` auto) where the message is escaped as the fields are (pino's
 * JSON escapes both; pino-pretty prints the message raw), so no client can
 * print a forged line.
 */
export function createCliLogger(
  level: string,
  format: 'json' | 'pretty' | 'auto',
  isTerminal: boolean,
  {
    destination,
    worker,
  }: {
    /** Where lines go (tests); standard output otherwise. */
    readonly destination?: NodeJS.WritableStream
    /** With `--workers`: the worker's number, on every line it writes. */
    readonly worker?: number
  } = {},
): Logger {
  const isPretty = format === 'pretty' || (format === 'auto' && isTerminal)
  const options = {
    level,
    base: { name: 'wsrelay', ...(worker === undefined ? {} : { worker }) },
  }
  if (!isPretty) {
    // JSON lines go out without blocking the event loop (a write in flight
    // gathers the lines behind it); pino flushes the rest when the process exits.
    return pino(
      options,
      destination ?? pino.destination({ dest: 1, sync: false }),
    )
  }
  const pretty = pinoPretty()
  return pino(
    options,
    pretty({
      colorize: true,
      ignore: 'pid,hostname,name',
      sync: true,
      ...(destination ? { destination } : {}),
      messageFormat: (log, messageKey) => {
        const message = log[messageKey]
        return escapeControls(
          typeof message === 'string'
            ? message
            : (JSON.stringify(message) ?? ''),
        )
      },
    }),
  )
}
