import { execFile } from 'node:child_process'
import { promisify } from 'node:util'

const run = promisify(execFile)
const PROJECT = process.env.COMPOSE_PROJECT_NAME ?? ''

/** `docker ARGS`' standard output, trimmed; rejects with its stderr on failure. */
export async function docker(...args: string[]): Promise<string> {
  const { stdout } = await run('docker', args, { timeout: 60_000 })
  return stdout.trim()
}

/** IDs of the stack's running containers of `service`, by Compose's labels (v1 and v2 set the same). */
export async function containersOf(service: string): Promise<string[]> {
  const out = await docker(
    'ps',
    '-q',
    '--no-trunc',
    '--filter',
    `label=com.docker.compose.project=${PROJECT}`,
    '--filter',
    `label=com.docker.compose.service=${service}`,
  )
  return out === '' ? [] : out.split('\n').sort()
}

/** A container's name without the leading slash. */
export async function nameOf(id: string): Promise<string> {
  return (await docker('inspect', '--format', '{{.Name}}', id)).slice(1)
}

/**
 * Open sessions on each running relay, by container name: `connections` from
 * the relay's own /healthz, asked from inside its container.
 */
export async function sessionsPerRelay(): Promise<Record<string, number>> {
  const counts: Record<string, number> = {}
  for (const id of await containersOf('relay')) {
    const out = await docker(
      'exec',
      id,
      'node',
      '-e',
      "fetch('http://127.0.0.1:8080/healthz').then((r) => r.json()).then((b) => console.log(b.connections))",
    )
    counts[await nameOf(id)] = Number(out)
  }
  return counts
}

export const total = (counts: Record<string, number>) =>
  Object.values(counts).reduce((a, b) => a + b, 0)
