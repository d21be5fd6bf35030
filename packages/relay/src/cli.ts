#!/usr/bin/env node
import cluster from 'node:cluster'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { RelayError } from './errors.js'
import { createCliLogger } from './observability/logger.js'
import { createRelayFrom } from './server/create-relay.js'
import { joinPrimary, runPrimary } from './server/workers.js'
import { addressInUseHint } from './settings/address-in-use.js'
import {
  formatSettings,
  loadCliFiles,
  parseCliArgs,
} from './settings/cli-args.js'
import { prepareRelayOptions } from './settings/relay-options.js'
import { USAGE } from './settings/usage.js'
import { formatHostPort } from './targets/target-address.js'

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
  const { workers } = command.settings.values
  const logger = createCliLogger(
    logLevel,
    logFormat,
    process.stdout.isTTY === true,
    cluster.worker ? { worker: cluster.worker.id } : {},
  )
  const checked = command.settings
  const options = prepareRelayOptions(
    { values: { ...checked.values, token }, given: checked.given },
    { tls, logger },
  )
  if (workers > 1 && cluster.isPrimary) {
    for (const warning of command.warnings) logger.warn(warning)
    return runPrimary({
      workers,
      maxConnections: options.maxConnections,
      maxConnectionsPerIp: options.maxConnectionsPerIp,
      log: logger,
    })
  }
  if (!cluster.isWorker)
    for (const warning of command.warnings) logger.warn(warning)
  const worker = cluster.isWorker ? joinPrimary(workers) : undefined
  const relay = createRelayFrom(options, worker?.hooks)
  // Signals drain from the moment the relay exists: a SIGTERM while it is
  // still binding (a busy machine, a supervisor stopping it at once) must
  // not kill it mid-start with no drain.
  const stopped = new Promise<number>((resolve) => {
    let isStopping = false
    const stop = (signal: NodeJS.Signals): void => {
      if (isStopping) return // a worker hears its primary and the signal both
      isStopping = true
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
    worker?.onShutdown(() => stop('SIGTERM'))
  })
  try {
    await relay.listen()
  } catch (err) {
    if (
      err instanceof RelayError &&
      err.code === 'RELAY_LISTEN_FAILED' &&
      /EADDRINUSE/.test(err.message)
    ) {
      const { values } = command.settings
      const [listenIndex, targetIndex] = command.argIndexes
      const hint = await addressInUseHint({
        argv: process.argv.slice(2),
        listenFrom: command.sources.listen ?? 'default',
        listenTyped:
          typeof command.given.listen === 'string'
            ? command.given.listen
            : undefined,
        listenIndex,
        targetIndex,
        listen: values.listen,
        target: values.target,
      })
      throw new RelayError(
        'RELAY_LISTEN_FAILED',
        `Cannot listen on ${formatHostPort(values.listen)} (EADDRINUSE): ${hint}`,
        { cause: err },
      )
    }
    throw err
  }
  return stopped
}

main().then(
  (code) => {
    process.exitCode = code
    // A worker's channel to its primary would keep it running.
    if (cluster.isWorker) cluster.worker?.disconnect()
  },
  (err: unknown) => {
    const message = err instanceof RelayError ? err.message : String(err)
    process.stderr.write(`wsrelay: ${message}\n`)
    process.exitCode =
      err instanceof RelayError && err.code === 'RELAY_INVALID_OPTION' ? 2 : 1
  },
)
