import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)

/**
 * A dependency loaded the first time it is used, so that a relay that never
 * needs it (no `--config`, no `--web`, no `--metrics`) does not pay its
 * memory and start-up time. Node's own `require`, so callers stay
 * synchronous.
 *
 * @example
 * const yaml = loadOnUse<typeof import('yaml')>('yaml')
 * yaml().parse(text)
 */
export function loadOnUse<T>(id: string): () => T {
  let loaded: T | undefined
  return () => (loaded ??= require(id) as T)
}
