import {
  RELAY_CLOSE_CODES,
  UPGRADE_REFUSALS,
  type CloseCodeInfo,
} from '@wsrelay/protocol'
import { CONNECTION_STATES } from '../connection/connection-states.js'
import { RELAY_ERROR_CODES, RELAY_ERRORS } from '../errors.js'
import { LOG_FIELDS, LOG_LINES } from '../observability/log-fields.js'
import { RELAY_METRICS, type MetricSpec } from '../observability/metrics.js'
import { hintOf, REFUSALS, type RefusalAnswer } from '../refusals.js'
import type { Setting } from '../settings/setting-kinds.js'
import { envOf, SETTING_NAMES, SETTINGS } from '../settings/settings.js'
import { cliNameOf, OWN_FLAGS } from '../settings/usage.js'
import { TARGET_FAILURES } from '../targets/target-failure.js'

/** A table: its header and its rows, cell by cell (Markdown inline allowed). */
export interface DocTable {
  readonly header: readonly string[]
  readonly rows: readonly (readonly string[])[]
}

const code = (text: string): string => `\`${text}\``

/** Help text as a doc cell: flags, paths and names in code. */
const prose = (text: string): string =>
  text.replace(
    /(^|[\s(])(--[a-z-]+|wsrelay\.v1|wsrelay\.token\.<token>|GET \/\w+|WSRELAY_TOKEN|X-Forwarded-For|\/healthz|\/readyz|ulimit -n)(?=[\s).,;:]|$)/g,
    (_m, before: string, word: string) => `${before}${code(word)}`,
  )

const rowsOf = () =>
  SETTING_NAMES.map((name) => [name, SETTINGS[name] as Setting] as const)

/** How the command line gives a setting, for a doc cell. */
function cliCell(name: string, row: Setting): string | undefined {
  const cliName = cliNameOf(name, row)
  if (cliName === undefined || row.cli === 'none') return undefined
  if (row.cli === 'flag') return code(cliName)
  return `${row.cli.position === 1 ? '1st' : '2nd'} argument ${code(cliName)}`
}

/** The relay README's options table: each setting by flag (or argument), its name, default and meaning. */
export function optionsTable(): DocTable {
  const rows: string[][] = []
  for (const [name, row] of rowsOf()) {
    rows.push([
      cliCell(name, row) ?? code(envOf(name)),
      row.library ? code(name) : `${code(name)} (CLI)`,
      row.defaultText === 'none' ? '' : row.defaultText,
      prose(row.help),
    ])
  }
  for (const [flag, help] of OWN_FLAGS)
    rows.push([code(flag), '', '', prose(help)])
  return { header: ['Option', 'Name', 'Default', 'Meaning'], rows }
}

/** docs/operations.md's settings table: name (file key and option), flag, variable, default, meaning. */
export function settingsTable(): DocTable {
  return {
    header: ['Name', 'Flag', 'Environment variable', 'Default', 'Meaning'],
    rows: rowsOf().map(([name, row]) => [
      code(name) + (row.library ? '' : ' (CLI only)'),
      cliCell(name, row) ?? '—',
      code(envOf(name)),
      row.defaultText,
      prose(row.help),
    ]),
  }
}

/** The close codes the relay sends, with the hint the browser shows. */
export function closeCodesTable(): DocTable {
  return {
    header: ['Code', 'Name', 'Meaning', 'What to do'],
    rows: RELAY_CLOSE_CODES.map((c: CloseCodeInfo) => [
      String(c.code),
      c.name,
      c.meaning,
      prose(c.hint),
    ]),
  }
}

/** The HTTP statuses an upgrade is refused with, before any WebSocket exists. */
export function upgradeRefusalsTable(): DocTable {
  return {
    header: ['Status', 'Name', 'Meaning', 'What to do'],
    rows: UPGRADE_REFUSALS.map((r) => [
      String(r.status),
      r.name,
      r.meaning,
      prose(r.hint),
    ]),
  }
}

const answerOf = (answer: RefusalAnswer): string =>
  'close' in answer ? `close ${answer.close}` : `HTTP ${answer.status}`

/** Every `RELAY_*` code: how it is answered, what it means, how to fix it (a refusal's fix is its hint). */
export function errorsTable(): DocTable {
  const answers = new Map<string, RefusalAnswer[]>()
  const add = (errorCode: string, answer: RefusalAnswer): void => {
    answers.set(errorCode, [...(answers.get(errorCode) ?? []), answer])
  }
  for (const refusal of Object.values(REFUSALS))
    add(refusal.errorCode, refusal.answer)
  for (const failure of Object.values(TARGET_FAILURES))
    add(failure.errorCode, { close: failure.close })
  return {
    header: ['Code', 'Answer', 'Meaning', 'How to fix'],
    rows: RELAY_ERROR_CODES.map((errorCode) => {
      const entry: { meaning: string; fix?: string } = RELAY_ERRORS[errorCode]
      const given = answers.get(errorCode) ?? []
      const fix = entry.fix ?? given.map(hintOf)[0] ?? ''
      return [
        code(errorCode),
        given.length === 0 ? 'thrown' : given.map(answerOf).join(', '),
        entry.meaning,
        prose(fix),
      ]
    }),
  }
}

/** The relay's metrics with their labels. */
export function metricsTable(): DocTable {
  const rows = (RELAY_METRICS as readonly MetricSpec[]).map((m) => [
    code(m.name),
    m.type,
    m.label
      ? `${code(m.label.name)}: ${typeof m.label.values === 'string' ? m.label.values : m.label.values.map(code).join(', ')}`
      : '',
    m.help,
  ])
  rows.push([
    `${code('wsrelay_process_*')}, ${code('wsrelay_nodejs_*')}`,
    'various',
    '',
    "prom-client's process and runtime metrics (CPU, resident memory, heap, open fds, event-loop lag, GC).",
  ])
  return { header: ['Metric', 'Type', 'Labels', 'Meaning'], rows }
}

/** Every log field, the lines that carry it, and what it means. */
export function logFieldsTable(): DocTable {
  return {
    header: ['Field', 'In', 'Meaning'],
    rows: Object.entries(LOG_FIELDS).map(([field, about]) => {
      const lines = Object.entries(LOG_LINES)
        .filter(([, fields]) => (fields as readonly string[]).includes(field))
        .map(([line]) => code(line))
      const where = [...lines, ...('in' in about ? [about.in] : [])]
      return [code(field), where.join(', '), about.means]
    }),
  }
}

/** The states of a connection: what each means, the timers it owns, where it may go. */
export function connectionStatesTable(): DocTable {
  return {
    header: ['State', 'Means', 'Timers', 'Moves to'],
    rows: Object.entries(CONNECTION_STATES).map(([state, s]) => [
      code(state),
      s.means,
      s.timer,
      s.moves.length === 0 ? '—' : s.moves.map(code).join(', '),
    ]),
  }
}

/** Renders a table as Markdown (Prettier pads it afterwards). */
export function renderTable({ header, rows }: DocTable): string {
  const line = (cells: readonly string[]) =>
    `| ${cells.map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join(
    '\n',
  )
}

/** The cells of a Markdown table, trimmed, without the separator row. */
export function parseTable(markdown: string): string[][] {
  return markdown
    .split('\n')
    .filter((l) => l.trim().startsWith('|'))
    .map((l) =>
      l
        .trim()
        .replace(/^\||\|$/g, '')
        .split(/(?<!\\)\|/)
        .map((c) => c.trim()),
    )
    .filter((cells) => !cells.every((c) => /^:?-+:?$/.test(c)))
}

/** Where each generated table stands: file (from the repository root) and block name. */
export const DOC_TABLES = [
  ['packages/relay/README.md', 'options', optionsTable],
  ['packages/relay/README.md', 'connection-states', connectionStatesTable],
  ['packages/relay/README.md', 'close-codes', closeCodesTable],
  ['packages/relay/README.md', 'upgrade-refusals', upgradeRefusalsTable],
  ['packages/relay/README.md', 'errors', errorsTable],
  ['packages/relay/README.md', 'metrics', metricsTable],
  ['docs/operations.md', 'settings', settingsTable],
  ['docs/operations.md', 'metrics', metricsTable],
  ['docs/operations.md', 'log-fields', logFieldsTable],
] as const

/** The block a generated table stands in. */
export const blockPattern = (name: string): RegExp =>
  new RegExp(
    `(<!-- generated: ${name} [^\\n]*-->)([\\s\\S]*?)(<!-- end: ${name} -->)`,
  )
