import { realpathSync } from 'node:fs'
import { realpath } from 'node:fs/promises'
import type http from 'node:http'
import path from 'node:path'
import { RelayError } from '../errors.js'
import { loadOnUse } from '../load-on-use.js'

/** Loaded with the first `--web` handler. */
const sendFile = loadOnUse<typeof import('send')>('send')

/** Serves one request from the `--web` directory; calls `notFound` when there is no such file. */
export type StaticHandler = (
  req: http.IncomingMessage,
  res: http.ServerResponse,
  pathname: string,
  notFound: () => void,
) => void

/**
 * Checks the `--web` directory at start and returns its real path; a missing
 * directory, a dangling symlink or a loop fails here with the flag named.
 */
export function resolveWebRoot(dir: string): string {
  try {
    const real = realpathSync(dir)
    return real
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error'
    throw new RelayError(
      'RELAY_INVALID_OPTION',
      `Cannot serve --web ${dir} (${code}): ${
        code === 'ENOENT'
          ? 'no such directory (or a symlink to nothing).'
          : code === 'ELOOP'
            ? 'a symlink loop.'
            : 'it cannot be read.'
      } Give the directory of the built pages, e.g. --web apps/console/dist.`,
      { cause: err },
    )
  }
}

/**
 * Static files for `--web`, with `send` (Express's file sender: RFC 9110
 * ranges and conditional requests, no dotfiles, no `..`). Only GET and HEAD
 * are answered (others get 405), and a file whose real path, after every
 * symlink, lies outside the directory is not found: a symlink in DIR must not
 * publish /etc/passwd.
 */
export function createStaticHandler(root: string): StaticHandler {
  sendFile()
  const rootWithSep = root.endsWith(path.sep) ? root : root + path.sep
  return (req, res, pathname, notFound) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, {
        allow: 'GET, HEAD',
        'content-type': 'text/plain; charset=utf-8',
      })
      res.end('Only GET and HEAD are served here.\n')
      return
    }
    let decoded: string
    try {
      decoded = decodeURIComponent(pathname)
    } catch {
      notFound()
      return
    }
    const wanted = path.join(
      root,
      decoded.endsWith('/') ? `${decoded}index.html` : decoded,
    )
    realpath(wanted).then(
      (real) => {
        if (real !== root && !real.startsWith(rootWithSep)) {
          notFound()
          return
        }
        sendFile()(req, path.relative(root, real).split(path.sep).join('/'), {
          root,
          index: ['index.html'],
          dotfiles: 'ignore',
        })
          .on('error', (err: { status?: number }) => {
            if (err.status === 404 || err.status === 403 || !err.status)
              notFound()
            else {
              res.writeHead(err.status)
              res.end()
            }
          })
          .on('directory', () => {
            res.writeHead(301, { location: `${pathname}/` })
            res.end()
          })
          .pipe(res)
      },
      () => notFound(),
    )
  }
}
