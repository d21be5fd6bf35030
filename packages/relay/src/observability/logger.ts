import { pino, type Logger } from 'pino'

export type { Logger }

/** A logger that writes nothing: the library's default, so embedding stays quiet. */
export function createSilentLogger(): Logger {
  return pino({ enabled: false })
}
