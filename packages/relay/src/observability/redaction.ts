import { TOKEN_SUBPROTOCOL_PREFIX } from '@wsrelay/protocol'

/** Replaces every secret in a text the relay is about to show. */
export type Redact = (text: string) => string

/** What a secret is replaced with. */
export const REDACTED = '<redacted>'

const escapeRegExp = (text: string): string =>
  text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

/** A token offered as a subprotocol, the prefix in any case: `WSRELAY.TOKEN.abc…`. */
const TOKEN_ENTRY = new RegExp(
  `(${escapeRegExp(TOKEN_SUBPROTOCOL_PREFIX)})[^\\s,;"'&<>]*`,
  'gi',
)
/** A token in a query string: `?token=…`, `&access_token=…`. */
const TOKEN_PARAM = /([?&;](?:[a-z_-]*token)=)[^&#;\s"'<>]*/gi

/**
 * The one redaction point: every text that leaves the relay (a log line, an
 * HTTP answer, a close reason) passes through it. It replaces each secret
 * wherever it stands (bare, inside a subprotocol, percent-encoded in a
 * path), any `wsrelay.token.` entry whatever the case of its prefix, and
 * any `token=` query value, even on a relay with no token: a client's own
 * secret is no more the log's business than the relay's.
 */
export function createRedactor(
  secrets: readonly (string | undefined)[],
): Redact {
  const forms = secrets
    .filter((s): s is string => s !== undefined && s.length > 0)
    .flatMap((s) => [s, encodeURIComponent(s)])
  const secret =
    forms.length > 0
      ? new RegExp([...new Set(forms)].map(escapeRegExp).join('|'), 'gi')
      : undefined
  return (text) => {
    let out = secret ? text.replace(secret, REDACTED) : text
    out = out.replace(TOKEN_ENTRY, (_, prefix: string) => prefix + REDACTED)
    return out.replace(TOKEN_PARAM, (_, name: string) => name + REDACTED)
  }
}
