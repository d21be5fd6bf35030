import type { Logger } from './logger.js'

type Level = 'debug' | 'info' | 'warn' | 'error'

/**
 * One connection's log lines: each carries `conn` and `client` first, as a
 * pino child would, without a child per connection (a child logger is an
 * object chain with shapes of its own, some KiB an idle connection would
 * hold for nothing). Fields are merged only for a line that is written.
 */
export class ConnectionLog {
  constructor(
    private readonly log: Logger,
    readonly conn: number,
    readonly client: string,
  ) {}

  debug(fields: object | string, message?: string): void {
    this.write('debug', fields, message)
  }

  info(fields: object | string, message?: string): void {
    this.write('info', fields, message)
  }

  warn(fields: object | string, message?: string): void {
    this.write('warn', fields, message)
  }

  error(fields: object | string, message?: string): void {
    this.write('error', fields, message)
  }

  private write(level: Level, fields: object | string, message?: string): void {
    const log = this.log
    if (!log.isLevelEnabled(level)) return
    const { conn, client } = this
    if (typeof fields === 'string') log[level]({ conn, client }, fields)
    else log[level]({ conn, client, ...fields }, message)
  }
}
