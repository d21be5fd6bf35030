import type { Setting, SettingGroup } from './setting-kinds.js'
import { flagOf, SETTING_NAMES, SETTINGS } from './settings.js'

/** Titles of the groups, in the order `--help` and the docs list them. */
export const GROUP_TITLES: Readonly<Record<SettingGroup, string>> = {
  arguments: 'Arguments',
  targets: 'Targets',
  security: 'Security',
  limits: 'Limits and timeouts',
  udp: 'UDP targets',
  http: 'HTTP on the same port',
  logs: 'Configuration and logs',
}

/** The command line's own flags, which are not settings. */
export const OWN_FLAGS: readonly (readonly [string, string])[] = [
  [
    '--config FILE',
    "Read settings from a JSON or YAML file (keys are the settings' names: maxConnections: 500).",
  ],
  [
    '--print-config',
    'Print every setting, its value and where it came from (flag, env, file, default), then exit.',
  ],
  ['-h, --help', 'Show this help.'],
  ['-v, --version', 'Print the version.'],
]

/** How `--help` names a setting: its flag and placeholder, or its argument's shape. */
export function cliNameOf(name: string, row: Setting): string | undefined {
  if (row.cli === 'none') return undefined
  if (row.cli !== 'flag') return row.cli.shape
  return `--${flagOf(name)}${row.arg === undefined ? '' : ` ${row.arg}`}`
}

const WIDTH = 79
const INDENT = 29

/** `  name   help…` wrapped at 79 columns, the help in a column of its own. */
function entry(name: string, help: string): string {
  const words = help.split(' ')
  const lines: string[] = []
  let line = `  ${name}`.padEnd(INDENT)
  if (name.length + 2 >= INDENT) {
    lines.push(`  ${name}`)
    line = ''.padEnd(INDENT)
  }
  let isFresh = true
  for (const word of words) {
    if (!isFresh && line.length + 1 + word.length > WIDTH) {
      lines.push(line)
      line = ''.padEnd(INDENT)
      isFresh = true
    }
    line += isFresh ? word : ` ${word}`
    isFresh = false
  }
  lines.push(line)
  return lines.join('\n')
}

/** A row's help with its default, as `--help` shows it (a flag is off until given). */
const helpWithDefault = (row: Setting): string =>
  row.defaultText === 'none' || row.cli !== 'flag' || row.arg === undefined
    ? row.help
    : `${row.help} Default ${row.defaultText}.`

/** The option lines of `--help`, group by group, from the settings table. */
function optionLines(): string {
  const sections: string[] = []
  for (const [group, title] of Object.entries(GROUP_TITLES)) {
    const lines: string[] = []
    for (const name of SETTING_NAMES) {
      const row: Setting = SETTINGS[name]
      const cliName = cliNameOf(name, row)
      if (row.group !== group || cliName === undefined) continue
      lines.push(entry(cliName, helpWithDefault(row)))
    }
    if (group === 'logs')
      for (const [flag, help] of OWN_FLAGS) lines.push(entry(flag, help))
    sections.push(`${title}:\n${lines.join('\n')}`)
  }
  return sections.join('\n\n')
}

/** `wsrelay --help`. */
export const USAGE = `Usage: wsrelay [options] [listen_host:]listen_port [[udp:]target_host:port]

Relays WebSocket connections to TCP servers, websockify-style: every
WebSocket gets its own TCP connection. Binary and text frames go to the
target as bytes; target bytes come back as binary frames. Clients speaking the
wsrelay.v1 subprotocol use text frames for control messages (open, ping, end).
A udp: target gets its own UDP socket per WebSocket instead: one message is
one datagram, both ways.

Examples:
  wsrelay 8080 127.0.0.1:5000                 listen on 127.0.0.1:8080
  wsrelay 0.0.0.0:8080 game:7000              listen on all interfaces
  wsrelay --web apps/console/dist 8080 127.0.0.1:5000
  wsrelay --route vnc=10.0.0.5:5900 --route redis=127.0.0.1:6379 8080
  wsrelay --route game=udp:127.0.0.1:27015 8080
  wsrelay --allow '*:443' --allow 10.1.0.0/16:7000-7010 8080
  WSRELAY_MAX_CONNECTIONS=500 wsrelay --config relay.yaml --print-config

${optionLines()}

Every setting can also come from the environment, WSRELAY_ and the flag in
upper snake case (WSRELAY_MAX_CONNECTIONS=500, WSRELAY_LISTEN=0.0.0.0:8080,
WSRELAY_TARGET=echo:5000, WSRELAY_TOKEN, lists comma-separated). Precedence:
flag, then environment, then --config file, then default.

SIGINT, SIGTERM and SIGHUP drain: new connections get 503, every connection is
closed with 1001 after its bytes are flushed, then the relay exits 0.
`
