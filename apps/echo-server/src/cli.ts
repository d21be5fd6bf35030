#!/usr/bin/env node
import { parseEchoArgs, USAGE } from './cli-args.js'
import { createEchoServer } from './echo-server.js'

async function main(): Promise<void> {
  const options = parseEchoArgs(process.argv.slice(2))
  if (options === 'help') {
    process.stdout.write(USAGE)
    return
  }
  const server = createEchoServer({
    ...options,
    log: (line) =>
      process.stdout.write(`${new Date().toISOString()} ${line}\n`),
  })
  await server.listen()
  const stop = (signal: string): void => {
    process.stdout.write(
      `${new Date().toISOString()} ${signal}: closing ${server.connections} connection(s)\n`,
    )
    void server.close().then(() => (process.exitCode = 0))
  }
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
}

main().catch((err: unknown) => {
  process.stderr.write(
    `echo-server: ${err instanceof Error ? err.message : String(err)}\n`,
  )
  process.exitCode = 2
})
