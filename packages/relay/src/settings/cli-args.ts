import { parseArgs } from 'node:util'
import { RelayError } from '../errors.js'
import { loadOnUse } from '../load-on-use.js'
import { closest, distance } from './closest.js'
import {
  checkSettings,
  type CheckedSettings,
  type RelayHooks,
} from './relay-options.js'
import type { Setting } from './setting-kinds.js'
import {
  envOf,
  flagOf,
  SETTING_NAMES,
  SETTINGS,
  type SettingName,
} from './settings.js'

/** YAML is parsed only for a `--config` file that asks for it. */
const yaml = loadOnUse<typeof import('yaml')>('yaml')

/** Where a value came from, for --print-config. */
export type ConfigSource = 'flag' | 'env' | 'file' | 'default'

/** What the command line asks for. */
export type CliCommand =
  | { kind: 'help' }
  | { kind: 'version' }
  | {
      kind: 'run' | 'print-config'
      /** Every setting after the one check. */
      settings: CheckedSettings
      /** Each setting's value as given (before the check), for --print-config. */
      given: Readonly<Partial<Record<SettingName, unknown>>>
      sources: Readonly<Partial<Record<SettingName, ConfigSource>>>
      /** Things to tell the operator at start (e.g. a misspelt WSRELAY_ variable). */
      warnings: string[]
      /** Where in argv the positional arguments (listen, target) were typed. */
      argIndexes: readonly number[]
    }

/** The flags parseArgs knows: one per setting given by flag, and the command line's own. */
const flagOptions = () => {
  const options: Record<
    string,
    { type: 'string' | 'boolean'; multiple?: boolean; short?: string }
  > = {}
  for (const name of SETTING_NAMES) {
    const row: Setting = SETTINGS[name]
    if (row.cli !== 'flag') continue
    options[flagOf(name)] = {
      type: row.arg === undefined ? 'boolean' : 'string',
      ...(row.repeatable ? { multiple: true } : {}),
    }
  }
  options.config = { type: 'string' }
  options['print-config'] = { type: 'boolean' }
  options.help = { type: 'boolean', short: 'h' }
  options.version = { type: 'boolean', short: 'v' }
  return options
}

function unknownOptionHint(message: string): string {
  const match = /Unknown option '(-{1,2}[^']+)'/.exec(message)
  const given = match?.[1]
  if (!given) return `${message}. Run wsrelay --help for the options.`
  const name = given.replace(/^-+/, '').split('=')[0] ?? ''
  if (['port', 'listen', 'host', 'bind', 'p'].includes(name)) {
    return (
      `Unknown option ${given}: the listen address is the first argument, not a flag. ` +
      'Example: wsrelay 8081 127.0.0.1:5000 (or set WSRELAY_LISTEN=8081).'
    )
  }
  if (['target', 'to', 'upstream'].includes(name)) {
    return (
      `Unknown option ${given}: the target is the second argument, not a flag. ` +
      'Example: wsrelay 8081 127.0.0.1:5000 (or set WSRELAY_TARGET).'
    )
  }
  const best = closest(name, Object.keys(flagOptions()))
  const hint =
    best && distance(name, best) <= Math.max(2, Math.floor(name.length / 3))
      ? ` Did you mean --${best}?`
      : ''
  return `Unknown option ${given}.${hint} Run wsrelay --help for the options.`
}

/**
 * parseArgs' "argument missing", "argument is ambiguous" and "does not take
 * an argument", in words that name the flag, what follows it and the fix. A
 * negative number after a flag (`--idle-timeout -1`) is checked as the value
 * it was meant to be, so it gets the same message as `--idle-timeout=-1`.
 */
function flagValueHint(
  err: NodeJS.ErrnoException,
  argv: readonly string[],
): string | undefined {
  if (err.code !== 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') return undefined
  const flag = /Option '(?:-\w, )?(--[\w-]+)/.exec(err.message)?.[1]
  if (flag === undefined) return undefined
  if (/does not take an argument/.test(err.message))
    return `${flag} takes no value: write ${flag} alone.`
  const name = SETTING_NAMES.find((n) => `--${flagOf(n)}` === flag)
  const row: Setting | undefined =
    name === undefined ? undefined : SETTINGS[name]
  const next = argv[argv.indexOf(flag) + 1]
  if (row && next !== undefined && /^-\d/.test(next))
    row.check(row.fromText(next), flag) // throws the check's own message
  const usage = `${flag} ${row?.arg ?? (flag === '--config' ? 'FILE' : 'VALUE')}`
  if (next === undefined || !argv.includes(flag))
    return `${flag} needs a value (${usage}), and nothing follows it. Flags go before the arguments: wsrelay ${usage} 8080 127.0.0.1:5000.`
  return next.startsWith('--')
    ? `${flag} needs a value (${usage}), but the flag ${next} follows it: give ${flag} its value first.`
    : `${flag} needs a value (${usage}), but ${next} follows it. A value that starts with "-" is written ${flag}=${next}.`
}

/** Reads a --config file: JSON, or YAML by extension; keys are the settings' names. */
function readConfigFile(
  path: string,
  read: (path: string) => string,
): Record<string, unknown> {
  let text: string
  try {
    text = read(path)
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message
    throw new RelayError(
      'RELAY_INVALID_OPTION',
      `Cannot read --config ${path} (${code}). Check the path.`,
      { cause: err },
    )
  }
  const isYaml = /\.ya?ml$/i.test(path)
  let data: unknown
  try {
    data = isYaml ? yaml().parse(text) : JSON.parse(text)
  } catch (err) {
    throw new RelayError(
      'RELAY_INVALID_OPTION',
      `Cannot parse --config ${path}: ${parseErrorWhere(err, text)}. It must be ${isYaml ? 'YAML' : 'JSON'} with keys such as maxConnections.`,
      { cause: err },
    )
  }
  if (data === null || data === undefined) return {}
  if (typeof data !== 'object' || Array.isArray(data)) {
    throw new RelayError(
      'RELAY_INVALID_OPTION',
      `--config ${path} must hold an object of settings, e.g. { "maxConnections": 500 }.`,
    )
  }
  for (const key of Object.keys(data)) {
    if (!Object.hasOwn(SETTINGS, key)) {
      const best = closest(key, SETTING_NAMES)
      throw new RelayError(
        'RELAY_INVALID_OPTION',
        `Unknown key "${key}" in --config ${path}.${best ? ` Did you mean "${best}"?` : ''} The keys are the flags in camelCase.`,
      )
    }
  }
  return data as Record<string, unknown>
}

/**
 * Where a config file stopped parsing, without quoting it: the parsers'
 * messages show the text around the error, and a config file may hold the
 * token (`{"token": abc…}` unquoted would print its first characters).
 */
function parseErrorWhere(err: unknown, text: string): string {
  const yamlAt = (err as { linePos?: { line: number; col: number }[] })
    .linePos?.[0]
  const code = (err as { code?: unknown }).code
  if (yamlAt) {
    // The yaml package's codes (BAD_INDENT, BLOCK_AS_IMPLICIT_KEY) in words.
    const what =
      typeof code === 'string'
        ? code.toLowerCase().replace(/_/g, ' ')
        : 'invalid YAML'
    return `${what} at line ${yamlAt.line}, column ${yamlAt.col}`
  }
  const message = err instanceof Error ? err.message : ''
  const lineCol = /line (\d+) column (\d+)/.exec(message)
  if (lineCol) return `invalid JSON at line ${lineCol[1]}, column ${lineCol[2]}`
  const position = /position (\d+)/.exec(message)
  if (position) {
    const before = text.slice(0, Number(position[1]))
    const line = before.split('\n').length
    const column = Number(position[1]) - before.lastIndexOf('\n')
    return `invalid JSON at line ${line}, column ${column}`
  }
  return /end of JSON|Unexpected end/i.test(message)
    ? 'invalid JSON: it ends too early'
    : 'invalid JSON'
}

/**
 * Reads every setting: flag > env (`WSRELAY_*`) > config file > default,
 * then gives them to the one check with the name of where each came from.
 * Throws RELAY_INVALID_OPTION naming the key, the value and what is expected.
 */
export function parseCliArgs(
  argv: readonly string[],
  env: Record<string, string | undefined> = {},
  read: (path: string) => string = () => {
    throw new Error('no file reader')
  },
): CliCommand {
  let parsed
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      tokens: true,
      options: flagOptions(),
    })
  } catch (err) {
    throw new RelayError(
      'RELAY_INVALID_OPTION',
      flagValueHint(err as NodeJS.ErrnoException, argv) ??
        unknownOptionHint((err as Error).message),
      { cause: err },
    )
  }
  const flags = parsed.values as Record<
    string,
    string | boolean | string[] | undefined
  >
  if (flags.help) return { kind: 'help' }
  if (flags.version) return { kind: 'version' }
  const { positionals } = parsed
  if (positionals.length > 2) {
    throw new RelayError(
      'RELAY_INVALID_OPTION',
      `Expected at most two arguments (listen address, target), got ${positionals.length}: ${positionals.join(' ')}. ` +
        'Flags go before them, e.g. wsrelay --web dist 8080 127.0.0.1:5000.',
    )
  }
  const configPath =
    typeof flags.config === 'string' ? flags.config : env.WSRELAY_CONFIG
  const file = configPath ? readConfigFile(configPath, read) : {}

  const given: Partial<Record<SettingName, unknown>> = {}
  const sources: Partial<Record<SettingName, ConfigSource>> = {}
  const where: Partial<Record<SettingName, string>> = {}
  for (const name of SETTING_NAMES) {
    const row: Setting = SETTINGS[name]
    const fromFlag =
      row.cli === 'flag'
        ? flags[flagOf(name)]
        : row.cli === 'none'
          ? undefined
          : positionals[row.cli.position - 1]
    const fromEnv = env[envOf(name)]
    if (
      fromFlag !== undefined &&
      !(Array.isArray(fromFlag) && fromFlag.length === 0)
    ) {
      given[name] = row.fromText(fromFlag)
      sources[name] = 'flag'
      where[name] =
        row.cli === 'flag'
          ? `--${flagOf(name)}`
          : `${name === 'listen' ? 'listen' : 'target'} address`
    } else if (fromEnv !== undefined && fromEnv !== '') {
      given[name] = row.fromText(fromEnv)
      sources[name] = 'env'
      where[name] = envOf(name)
    } else if (file[name] !== undefined) {
      given[name] = file[name]
      sources[name] = 'file'
      where[name] = `${name} in ${configPath ?? 'the config file'}:`
    } else if (row.default !== undefined) {
      sources[name] = 'default'
    }
  }
  checkCommandLine(given, sources)
  const settings = checkSettings(given, (name) => where[name] ?? name)
  return {
    kind: flags['print-config'] === true ? 'print-config' : 'run',
    settings,
    given,
    sources,
    warnings: unknownEnvWarnings(env),
    argIndexes: parsed.tokens.flatMap((t) =>
      t.kind === 'positional' ? [t.index] : [],
    ),
  }
}

/** The command line's own rules, checked before the values: what must be there, what goes together. */
function checkCommandLine(
  given: Partial<Record<SettingName, unknown>>,
  sources: Partial<Record<SettingName, ConfigSource>>,
): void {
  const hasMore = (name: 'route' | 'allow'): boolean => {
    const value = given[name]
    return (
      value !== undefined &&
      !(Array.isArray(value) && value.length === 0) &&
      !(typeof value === 'object' && Object.keys(value ?? {}).length === 0)
    )
  }
  const listen = given.listen
  if (
    listen === undefined ||
    (given.target === undefined && !hasMore('route') && !hasMore('allow'))
  ) {
    throw new RelayError(
      'RELAY_INVALID_OPTION',
      listen === undefined
        ? 'Expected a listen address and a target, got none. Example: wsrelay 8080 127.0.0.1:5000'
        : sources.listen === 'env'
          ? `No target: WSRELAY_LISTEN is set (${JSON.stringify(listen)}) but WSRELAY_TARGET is not. Set WSRELAY_TARGET=host:port, or give --route/--allow.`
          : `Expected a listen address and a target, got only ${JSON.stringify(listen)}.${swallowedArgument(given, sources)} Example: wsrelay 8080 127.0.0.1:5000`,
    )
  }
  if ((given.cert === undefined) !== (given.key === undefined)) {
    throw new RelayError(
      'RELAY_INVALID_OPTION',
      '--cert and --key go together: give both PEM files, or neither.',
    )
  }
  if (given.tokenFile !== undefined && given.token !== undefined) {
    throw new RelayError(
      'RELAY_INVALID_OPTION',
      'Give the token once: --token-file or WSRELAY_TOKEN, not both.',
    )
  }
}

/** Looks like a listen port or an address, the arguments a flag may have taken as its value. */
const ADDRESS_LIKE = /^(?:\d{1,5}|[^\s/=]+:\d{1,5})$/

/**
 * When an argument is missing, the usual cause is a flag given without its
 * value, which took the next argument instead: `--allow-origin 17085
 * 127.0.0.1:5000`. Names that flag and what it took, or nothing.
 */
function swallowedArgument(
  given: Partial<Record<SettingName, unknown>>,
  sources: Partial<Record<SettingName, ConfigSource>>,
): string {
  for (const name of SETTING_NAMES) {
    const row: Setting = SETTINGS[name]
    if (sources[name] !== 'flag' || row.cli !== 'flag') continue
    if (name === 'allow' || name === 'route') continue // their values are addresses
    const value = given[name]
    const texts = Array.isArray(value) ? value : [value]
    const taken = texts.find(
      (t): t is string => typeof t === 'string' && ADDRESS_LIKE.test(t),
    )
    if (taken === undefined) continue
    const flag = `--${flagOf(name)}`
    return ` ${flag} took ${JSON.stringify(taken)} as its value: give it its own (${flag} ${row.arg ?? 'VALUE'}) before the arguments.`
  }
  return ''
}

/** WSRELAY_* variables no setting reads: a typo would otherwise pass silently. */
function unknownEnvWarnings(env: Record<string, string | undefined>): string[] {
  const known = [...SETTING_NAMES.map(envOf), 'WSRELAY_CONFIG']
  const warnings: string[] = []
  for (const name of Object.keys(env)) {
    if (!name.startsWith('WSRELAY_') || known.includes(name)) continue
    const best = closest(name, known)
    if (best && distance(name, best) <= 3)
      warnings.push(
        `Ignoring ${name}: no setting has that name. Did you mean ${best}?`,
      )
  }
  return warnings
}

/** A value as --print-config shows it. */
function shown(value: unknown): string {
  if (value instanceof Map) return JSON.stringify(Object.fromEntries(value))
  return JSON.stringify(value) ?? String(value)
}

/** `wsrelay --print-config`: every setting, its value and where it came from; secrets redacted. */
export function formatSettings(
  command: Extract<CliCommand, { kind: 'print-config' | 'run' }>,
): string {
  const rows = SETTING_NAMES.filter(
    (name) => command.sources[name] !== undefined,
  ).map((name) => {
    const row: Setting = SETTINGS[name]
    const source = command.sources[name] ?? ''
    const value = source === 'default' ? row.default : command.given[name]
    return [
      name,
      row.secret ? '<redacted>' : shown(value),
      source,
      row.cli === 'flag'
        ? `--${flagOf(name)}`
        : row.cli === 'none'
          ? '-'
          : row.cli.position === 1
            ? '1st argument'
            : '2nd argument',
      envOf(name),
    ]
  })
  const header = ['key', 'value', 'from', 'flag', 'env']
  const widths = header.map((h, i) =>
    Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)),
  )
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd()
  return [line(header), ...rows.map(line)].join('\n') + '\n'
}

/** Reads one file named by a flag, with an error that names the flag and the fix. */
function readFlagFile(
  flag: string,
  path: string,
  read: (path: string) => string,
): string {
  try {
    return read(path)
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message
    throw new RelayError(
      flag === '--token-file' ? 'RELAY_INVALID_OPTION' : 'RELAY_TLS_INVALID',
      `Cannot read ${flag} ${path} (${code}). Check the path and that the relay's user may read it.`,
      { cause: err },
    )
  }
}

/**
 * Reads the files the settings name: the token (from --token-file; its
 * trailing newline ignored, then the token's one check) and the TLS pair.
 * The token is never logged.
 */
export function loadCliFiles(
  { values }: CheckedSettings,
  read: (path: string) => string,
): Pick<RelayHooks, 'tls'> & { token: string | undefined } {
  const { tokenFile, cert, key } = values
  const token =
    tokenFile === undefined
      ? values.token
      : SETTINGS.token.check(
          readFlagFile('--token-file', tokenFile, read).replace(/\r?\n$/, ''),
          `--token-file ${tokenFile}`,
        )
  const tls =
    cert !== undefined && key !== undefined
      ? {
          cert: readFlagFile('--cert', cert, read),
          key: readFlagFile('--key', key, read),
        }
      : undefined
  return { token, tls }
}
