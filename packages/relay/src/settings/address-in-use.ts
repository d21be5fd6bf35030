import http from 'node:http'
import net from 'node:net'
import { formatHostPort, type HostPort } from '../targets/target-address.js'

/** How long the probes wait: an answer on loopback takes a millisecond. */
const PROBE_TIMEOUT_MS = 1000
/** Ports tried after a taken one, for a suggestion that is free right now. */
const PORTS_TRIED = 20

/** What the command line said, for a suggestion made from it. */
export interface CommandLine {
  /** The arguments after `wsrelay`, as typed. */
  readonly argv: readonly string[]
  /** Where the listen address came from (a suggestion for a flag or an argument is a command). */
  readonly listenFrom: 'flag' | 'env' | 'file' | 'default'
  /** The listen address as given, wherever it came from. */
  readonly listenTyped: string | undefined
  /** Indexes in `argv` of the listen and target arguments, when typed there. */
  readonly listenIndex: number | undefined
  readonly targetIndex: number | undefined
  readonly listen: HostPort
  readonly target: HostPort | undefined
}

/** True when a process listens on `host:port` and answers as a wsrelay `/healthz`. */
async function isWsrelayAt({ host, port }: HostPort): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get(
      {
        host,
        port,
        path: '/healthz',
        timeout: PROBE_TIMEOUT_MS,
        headers: { host: formatHostPort({ host: '127.0.0.1', port }) },
      },
      (res) => {
        let body = ''
        res.setEncoding('utf8')
        res.on('data', (chunk: string) => {
          if (body.length < 1024) body += chunk
        })
        res.on('end', () => {
          try {
            const parsed = JSON.parse(body) as { status?: unknown }
            resolve(parsed.status === 'ok' || parsed.status === 'draining')
          } catch {
            resolve(false)
          }
        })
        res.on('error', () => resolve(false))
      },
    )
    req.on('timeout', () => req.destroy())
    req.on('error', () => resolve(false))
  })
}

/** True when this process could listen on `host:port` now (it listens and lets go at once). */
export async function canListen({ host, port }: HostPort): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer()
    server.once('error', () => resolve(false))
    server.listen({ host, port, exclusive: true }, () =>
      server.close(() => resolve(true)),
    )
  })
}

/** The first port after `taken` this process could listen on, if any within {@link PORTS_TRIED}. */
async function freePortAfter(listen: HostPort): Promise<number | undefined> {
  for (let port = listen.port + 1; port <= listen.port + PORTS_TRIED; port++) {
    if (port > 65535) return undefined
    if (await canListen({ host: listen.host, port })) return port
  }
  return undefined
}

/** One argument as a shell reads it back. */
const quoted = (arg: string): string =>
  /^[\w@%+=:,./[\]-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`

/** The command as typed, with some arguments replaced. */
function commandWith(
  argv: readonly string[],
  replace: ReadonlyMap<number, string>,
): string {
  return ['wsrelay', ...argv.map((a, i) => replace.get(i) ?? a)]
    .map(quoted)
    .join(' ')
}

/** A listen text like the one typed: a bare port stays a bare port. */
function listenText(typed: string | undefined, host: string, port: number) {
  return typed !== undefined && /^\d+$/.test(typed)
    ? String(port)
    : formatHostPort({ host, port })
}

/**
 * The rest of the EADDRINUSE message: who holds the port, and commands that
 * would work now. Every suggestion is checked before it is made: the port it
 * names is free to listen on, and a swap of the arguments is offered only
 * when the first was typed as host:port (so it reads as a target) and the
 * second is free to listen on.
 */
export async function addressInUseHint(line: CommandLine): Promise<string> {
  const { argv, listen, target, listenIndex, targetIndex } = line
  const free = await freePortAfter(listen)
  const elsewhere =
    free === undefined
      ? '\n  Stop it, or pick another port.'
      : `\n  Stop it, or listen on a free port:  ${suggestion(free)}`
  if (await isWsrelayAt(listen))
    return `another wsrelay is already listening there (its /healthz answers).${elsewhere}`
  const typedListen = listenIndex === undefined ? undefined : argv[listenIndex]
  const canSwap =
    target !== undefined &&
    listenIndex !== undefined &&
    targetIndex !== undefined &&
    typedListen !== undefined &&
    !/^\d+$/.test(typedListen) &&
    (await canListen(target))
  const swap = canSwap
    ? `\n  If ${formatHostPort(listen)} is your TCP server, swap the arguments (first where the relay listens, then the server):  ${commandWith(
        argv,
        new Map([
          [listenIndex, formatHostPort(target)],
          [targetIndex, formatHostPort(listen)],
        ]),
      )}`
    : ''
  return `another process uses that port.${elsewhere}${swap}`

  function suggestion(port: number): string {
    if (line.listenFrom === 'env')
      return `WSRELAY_LISTEN=${listenText(line.listenTyped, listen.host, port)}`
    if (line.listenFrom === 'file')
      return `listen: ${listenText(line.listenTyped, listen.host, port)} in the config file`
    if (listenIndex === undefined) return `port ${port}`
    return commandWith(
      argv,
      new Map([
        [listenIndex, listenText(argv[listenIndex], listen.host, port)],
      ]),
    )
  }
}
