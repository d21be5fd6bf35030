#!/usr/bin/env node
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { pino } from 'pino'
import { loadCliFiles, parseCliArgs, USAGE } from './cli-args.js'
import { RelayError } from './errors.js'
import { createRelay } from './relay.js'

async function main(): Promise<number> {
  const command = parseCliArgs(process.argv.slice(2))
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
  const secrets = loadCliFiles(command.files, process.env, (path) =>
    readFileSync(path, 'utf8'),
  )
  const logger = pino({ level: command.logLevel, base: { name: 'wsrelay' } })
  const relay = createRelay({ ...command.options, ...secrets, logger })
  await relay.listen()

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
    process.once('SIGINT', stop)
    process.once('SIGTERM', stop)
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
