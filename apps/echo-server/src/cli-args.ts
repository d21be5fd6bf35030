import { parseArgs } from 'node:util'
import { EchoError } from './errors.js'
import type { EchoServerOptions } from './echo-server.js'

/** `echo-server --help`. */
export const USAGE = `Usage: echo-server [--host HOST] [--port PORT] [--udp PORT] [--suffix TEXT]

A TCP echo server. By default every byte comes back as it was sent.
With --suffix, line mode: each line comes back followed by TEXT, e.g.
  echo-server --port 5000 --suffix " from the server"
answers "hello\\n" with "hello from the server\\n".
With --udp, it answers UDP too: each datagram goes back to its sender as
one datagram (in line mode, each line in it with the suffix).

Options:
  --host HOST     interface to listen on (default 127.0.0.1)
  --port PORT     TCP port to listen on (default 5000; 0 picks a free one)
  --udp PORT      also answer UDP on this port (0 picks a free one)
  --suffix TEXT   line mode with this suffix
  -h, --help      show this help
`

/** Parses the echo server's argv; throws ECHO_INVALID_OPTION. */
export function parseEchoArgs(
  argv: readonly string[],
): EchoServerOptions | 'help' {
  let values
  try {
    ;({ values } = parseArgs({
      args: [...argv],
      strict: true,
      options: {
        host: { type: 'string', default: '127.0.0.1' },
        port: { type: 'string', default: '5000' },
        udp: { type: 'string' },
        suffix: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }))
  } catch (err) {
    throw new EchoError(
      'ECHO_INVALID_OPTION',
      `${(err as Error).message}. Run echo-server --help.`,
      { cause: err },
    )
  }
  if (values.help) return 'help'
  const port = portOf('--port', values.port)
  const udpPort =
    values.udp === undefined ? undefined : portOf('--udp', values.udp)
  return {
    host: values.host,
    port,
    suffix: values.suffix,
    ...(udpPort === undefined ? {} : { udpPort }),
  }
}

function portOf(flag: string, text: string): number {
  const port = Number(text)
  if (!/^\d{1,5}$/.test(text) || port > 65535) {
    throw new EchoError(
      'ECHO_INVALID_OPTION',
      `Invalid ${flag} "${text}": expected 0 to 65535.`,
    )
  }
  return port
}
