#!/usr/bin/env node
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { RelayError } from './errors.js'
import { createCliLogger } from './observability/logger.js'
import { createRelayFrom } from './server/create-relay.js'
import {
  formatSettings,
  loadCliFiles,
  parseCliArgs,
} from './settings/cli-args.js'
import { prepareRelayOptions } from './settings/relay-options.js'
import { USAGE } from './settings/usage.js'

const read = (path: string): string => readFileSync(path, 'utf8')

async function main(): Promise<number> {
  const command = parseCliArgs(process.argv.slice(2), process.env, read)
  if (command.kind === 'help') {
    process.stdout.write(USAGE)
    return 0
  }
  if (command.kind === 'version') {
    const pkg = createRequire(import.meta.url)('../package.json') as {
      version: string
    }
    process.stdout.write(`wsrelay ${pkg.version}\n`)
    return 0
  }
  if (command.kind === 'print-config') {
    process.stdout.write(formatSettings(command))
    return 0
  }
  const { logLevel, logFormat } = command.settings.values
  const { token, tls } = loadCliFiles(command.settings, read)
  // People read a terminal; machines read JSON lines.
  const logger = createCliLogger(
    logLevel,
    logFormat,
    process.stdout.isTTY === true,
  )
  for (const warning of command.warnings) logger.warn(warning)
  const checked = command.settings
  const relay = createRelayFrom(
    prepareRelayOptions(
      { values: { ...checked.values, token }, given: checked.given },
      { tls, logger },
    ),
  )
  try {
    await relay.listen()
  } catch (err) {
    if (
      err instanceof RelayError &&
      err.code === 'RELAY_LISTEN_FAILED' &&
      command.settings.values.target !== undefined &&
      /EADDRINUSE/.test(err.message)
    ) {
      const [listen, target] = process.argv
        .slice(2)
        .filter((a) => !a.startsWith('-'))
        .slice(-2)
      throw new RelayError(
        'RELAY_LISTEN_FAILED',
        `${err.message} The first argument is where the relay listens, the second the TCP server it relays to: ` +
          `if ${listen ?? 'the first'} is your server, swap them (wsrelay ${target ?? 'LISTEN'} ${listen ?? 'TARGET'}).`,
        { cause: err },
      )
    }
    throw err
  }

  return new Promise<number>((resolve) => {
    const stop = (signal: NodeJS.Signals): void => {
      logger.info({ signal }, 'shutting down: draining connections')
      relay.close().then(
        () => resolve(0),
        (err: unknown) => {
          logger.error({ err }, 'shutdown failed')
          resolve(1)
        },
      )
    }
    // SIGHUP drains too: a relay has no configuration to reload in place, and
    // a closed terminal or a supervisor's HUP must not cut streams mid-byte.
    process.once('SIGINT', stop)
    process.once('SIGTERM', stop)
    process.once('SIGHUP', stop)
  })
}

main().then(
  (code) => {
    process.exitCode = code
  },
  (err: unknown) => {
    const message = err instanceof RelayError ? err.message : String(err)
    process.stderr.write(`wsrelay: ${message}\n`)
    process.exitCode =
      err instanceof RelayError && err.code === 'RELAY_INVALID_OPTION' ? 2 : 1
  },
)
