import os from 'node:os'
import { isValidRouteName, isValidToken } from '@wsrelay/protocol'
import { RelayError } from '../errors.js'
import {
  checkHostPort,
  checkTargetAddress,
  parseHostPort,
  parseTargetAddress,
  type HostPort,
  type TargetAddress,
} from '../targets/target-address.js'

/** Where a setting is listed in `--help` and the docs. */
export type SettingGroup =
  'arguments' | 'targets' | 'security' | 'limits' | 'udp' | 'http' | 'logs'

/** Text from a flag (repeated: several; bare boolean: true) or a `WSRELAY_*` variable. */
export type SettingText = string | readonly string[] | boolean

/** How the command line gives a setting. */
export type CliForm =
  /** `--kebab-name VALUE` (the default). */
  | 'flag'
  /** Only in the environment or the config file (a token must not sit in `ps`). */
  | 'none'
  /** The first or second positional argument, shown as `shape` in `--help`. */
  | { readonly position: 1 | 2; readonly shape: string }

/**
 * One row of the settings table. Its name (the key it has in `SETTINGS`) is
 * the library option and the config-file key; the flag is that name in
 * kebab-case and the variable `WSRELAY_` and it in upper snake case.
 */
export interface Setting<Input = unknown, Value = unknown> {
  readonly group: SettingGroup
  readonly cli: CliForm
  /** The value's placeholder in `--help`: `MS`, `BYTES`, `N`, `PATH`… */
  readonly arg: string | undefined
  /** False for settings only the command line has (files it reads, log format). */
  readonly library: boolean
  /** True for settings of the relay's own server, which `attachRelay` leaves to the app. */
  readonly ownServer: boolean
  /** Redacted by `--print-config` and in messages. */
  readonly secret: boolean
  /** A repeated flag, a comma-separated variable, an array in a file. */
  readonly repeatable: boolean
  readonly default: Value
  /** The default as `--help` and the docs show it. */
  readonly defaultText: string
  /** One line for `--help` and the docs. */
  readonly help: string
  /** What a valid value looks like, for messages. */
  readonly expected: string
  /** Turns flag or variable text into a value for {@link check}; text it cannot read is passed on as it is, for `check` to refuse. */
  readonly fromText: (text: SettingText) => unknown
  /**
   * The one check every value passes, from the library, a flag, a variable
   * or a file: returns the value the relay uses, or throws
   * RELAY_INVALID_OPTION naming `where` the value came from.
   */
  readonly check: (value: unknown, where: string) => Value
  /** What the library takes (types only). */
  readonly input?: Input
}

/** What every kind of row may say about itself. */
export interface RowSpec {
  readonly group: SettingGroup
  readonly help: string
  readonly cli?: CliForm
  readonly arg?: string
  readonly library?: boolean
  readonly ownServer?: boolean
  readonly defaultText?: string
}

/** The row's flags as literal types, so the options types can filter on them. */
export type RowFlags<S extends RowSpec> = {
  readonly library: S['library'] extends false ? false : true
  readonly ownServer: S['ownServer'] extends true ? true : false
}

/** The message every refused value gets: where it came from, what it was, what is expected. */
export function invalidSetting(
  where: string,
  shown: string,
  expected: string,
): RelayError {
  return new RelayError(
    'RELAY_INVALID_OPTION',
    `Invalid ${where} ${shown}: expected ${expected}.`,
  )
}

const show = (value: unknown): string => JSON.stringify(value) ?? String(value)

function row<S extends RowSpec, Input, Value>(
  spec: S,
  kind: {
    readonly default: Value
    readonly defaultText: string
    readonly expected: string
    readonly secret?: boolean
    readonly repeatable?: boolean
    readonly fromText: (text: SettingText) => unknown
    readonly check: (value: unknown, where: string) => Value
  },
): Setting<Input, Value> & RowFlags<S> {
  const setting: Setting<Input, Value> & {
    library: boolean
    ownServer: boolean
  } = {
    group: spec.group,
    help: spec.help,
    cli: spec.cli ?? 'flag',
    arg: spec.arg,
    library: spec.library ?? true,
    ownServer: spec.ownServer ?? false,
    secret: kind.secret ?? false,
    repeatable: kind.repeatable ?? false,
    default: kind.default,
    defaultText: spec.defaultText ?? kind.defaultText,
    expected: kind.expected,
    fromText: kind.fromText,
    check: kind.check,
  }
  return setting as Setting<Input, Value> & RowFlags<S>
}

const textOf = (text: SettingText): string | undefined =>
  typeof text === 'string' ? text : undefined

/** setTimeout's longest delay (2^31 - 1 ms); a longer one fires at once. */
export const MAX_TIMER_MS = 2_147_483_647

/** A whole number: a size in bytes, a time in ms or a count. */
export function integer<const S extends RowSpec>(
  spec: S & {
    readonly default: number
    /** What 0 means, when 0 is allowed (`off`, `no limit`). */
    readonly zero?: string
    readonly max?: number
  },
): Setting<number, number> & RowFlags<S> {
  const min = spec.zero === undefined ? 1 : 0
  const max = spec.max ?? Number.MAX_SAFE_INTEGER
  const expected = `${spec.zero === undefined ? '' : `0 (${spec.zero}) or `}a positive whole number`
  return row(spec, {
    default: spec.default,
    defaultText:
      spec.default === 0 && spec.zero !== undefined
        ? `0 (${spec.zero})`
        : String(spec.default),
    expected,
    fromText: (text) => {
      const t = textOf(text)
      return t !== undefined && /^\d+$/.test(t) ? Number(t) : text
    },
    check(value, where) {
      if (Number.isSafeInteger(value) && (value as number) >= min) {
        if ((value as number) <= max) return value as number
        throw invalidSetting(where, show(value), `at most ${max}`)
      }
      throw invalidSetting(where, show(value), expected)
    },
  })
}

/** A count of processes: a whole number, or `auto` for one per CPU the process may use. */
export function processCount<const S extends RowSpec>(
  spec: S & { readonly default: number; readonly max: number },
): Setting<number | 'auto', number> & RowFlags<S> {
  const expected = `auto or a whole number from 1 to ${spec.max}`
  return row(spec, {
    default: spec.default,
    defaultText: String(spec.default),
    expected,
    fromText: (text) => {
      const t = textOf(text)
      return t !== undefined && /^\d+$/.test(t) ? Number(t) : text
    },
    check(value, where) {
      if (value === 'auto') return Math.min(spec.max, os.availableParallelism())
      if (
        Number.isSafeInteger(value) &&
        (value as number) >= 1 &&
        (value as number) <= spec.max
      )
        return value as number
      throw invalidSetting(where, show(value), expected)
    },
  })
}

/** On or off. */
export function bool<const S extends RowSpec>(
  spec: S & { readonly default: boolean },
): Setting<boolean, boolean> & RowFlags<S> {
  return row(spec, {
    default: spec.default,
    defaultText: String(spec.default),
    expected: 'true or false',
    fromText: (text) =>
      text === 'true' || text === '1'
        ? true
        : text === 'false' || text === '0'
          ? false
          : text,
    check(value, where) {
      if (typeof value === 'boolean') return value
      throw invalidSetting(where, show(value), 'true or false')
    },
  })
}

/** One of a few words. */
export function choice<const S extends RowSpec, const T extends string>(
  spec: S & {
    readonly values: readonly T[]
    readonly default: T
    readonly expected: string
  },
): Setting<T, T> & RowFlags<S> {
  return row(spec, {
    default: spec.default,
    defaultText: spec.default,
    expected: spec.expected,
    fromText: (text) => text,
    check(value, where) {
      if ((spec.values as readonly unknown[]).includes(value)) return value as T
      throw invalidSetting(where, show(value), spec.expected)
    },
  })
}

/** A non-empty string (a file or directory path, a secret). */
export function text<const S extends RowSpec>(
  spec: S & {
    readonly expected: string
    readonly secret?: boolean
    /** A further check on the text (e.g. the token's alphabet). */
    readonly isValid?: (text: string) => boolean
  },
): Setting<string, string | undefined> & RowFlags<S> {
  return row(spec, {
    default: undefined,
    defaultText: 'none',
    expected: spec.expected,
    secret: spec.secret,
    fromText: (t) => t,
    check(value, where) {
      if (
        typeof value === 'string' &&
        value.length > 0 &&
        (spec.isValid?.(value) ?? true)
      )
        return value
      throw invalidSetting(
        where,
        spec.secret ? '<redacted>' : show(value),
        spec.expected,
      )
    },
  })
}

/** A token the clients must offer: 16-256 of the characters a subprotocol name may carry. */
export const tokenText = <const S extends RowSpec>(spec: S) =>
  text({
    ...spec,
    secret: true,
    expected: '16-256 of A-Z a-z 0-9 . _ ~ + -',
    isValid: isValidToken,
  })

/** An HTTP endpoint's path, or `off` (the library: `false`). */
export function endpointPath<const S extends RowSpec>(
  spec: S & { readonly default: string },
): Setting<string | false, string | undefined> & RowFlags<S> {
  const expected = `a path such as ${spec.default}, or off`
  return row(spec, {
    default: spec.default,
    defaultText: spec.default,
    expected,
    fromText: (t) => t,
    check(value, where) {
      if (value === false || value === 'off') return undefined
      if (typeof value === 'string' && /^\/[A-Za-z0-9._~/-]*$/.test(value))
        return value
      throw invalidSetting(where, show(value), expected)
    },
  })
}

/** Repeatable: a repeated flag, a comma-separated variable, an array in a file. */
export function list<const S extends RowSpec>(
  spec: S & { readonly expected: string },
): Setting<readonly string[], readonly string[]> & RowFlags<S> {
  return parsedList(spec, (items) => items)
}

/** A repeatable setting whose items are parsed (allow rules, proxy CIDRs); `parse` names the bad item. */
export function parsedList<const S extends RowSpec, Value>(
  spec: S & { readonly expected: string },
  parse: (items: readonly string[], where: string) => Value,
): Setting<readonly string[], Value> & RowFlags<S> {
  return row(spec, {
    default: parse([], ''),
    defaultText: 'none',
    expected: spec.expected,
    repeatable: true,
    fromText: (t) =>
      typeof t === 'string'
        ? t
            .split(',')
            .map((s) => s.trim())
            .filter((s) => s.length > 0)
        : t,
    check(value, where) {
      if (
        Array.isArray(value) &&
        value.every((v) => typeof v === 'string' && v.length > 0)
      )
        return parse(value as string[], where)
      throw invalidSetting(where, show(value), spec.expected)
    },
  })
}

/**
 * Where to listen or the fixed target: `host:port`, `[v6]:port`; to listen,
 * also a bare port or a number; the target also `udp:host:port`.
 */
export function address<
  const S extends RowSpec,
  const Role extends 'listen' | 'target',
>(
  spec: S & {
    readonly role: Role
    readonly default: Role extends 'listen' ? HostPort : undefined
  },
): Setting<
  Role extends 'listen' ? string | number | HostPort : string | TargetInput,
  Role extends 'listen' ? HostPort : TargetAddress | undefined
> &
  RowFlags<S> {
  const { role } = spec
  const defaultHost = role === 'listen' ? '127.0.0.1' : undefined
  type Value = Role extends 'listen' ? HostPort : TargetAddress | undefined
  const parse = (text: string): Value =>
    (role === 'listen'
      ? parseHostPort(text, role, defaultHost)
      : parseTargetAddress(text)) as Value
  return row(spec, {
    default: spec.default,
    defaultText: spec.default
      ? `${spec.default.host}:${spec.default.port}`
      : 'none',
    expected:
      role === 'listen'
        ? '[host:]port, e.g. 8080'
        : 'host:port or udp:host:port, e.g. 127.0.0.1:5000',
    fromText: (t) => t,
    check(value) {
      if (typeof value === 'number' && role === 'listen')
        return parse(String(value))
      if (typeof value === 'string') return parse(value)
      if (typeof value === 'object' && value !== null && 'host' in value) {
        if (role === 'target') return checkTargetAddress(value) as Value
        const { host, port } = value as { host: unknown; port: unknown }
        return checkHostPort(host, port, role) as Value
      }
      return parse(String(value))
    },
  })
}

/** A target as the library takes it: `{ host, port }`, with `transport: 'udp'` for a datagram target. */
export type TargetInput = HostPort & { readonly transport?: 'tcp' | 'udp' }

/** Named targets: `NAME=[udp:]HOST:PORT` items (flag, variable, file), or a map of name to target (library, file). */
export function routes<const S extends RowSpec>(
  spec: S,
): Setting<
  readonly string[] | Readonly<Record<string, string | TargetInput>>,
  ReadonlyMap<string, TargetAddress>
> &
  RowFlags<S> {
  const expected =
    'NAME=HOST:PORT or NAME=udp:HOST:PORT, e.g. echo=127.0.0.1:5000'
  const asList = list({ ...spec, expected })
  return row(spec, {
    default: new Map<string, TargetAddress>(),
    defaultText: 'none',
    expected,
    repeatable: true,
    fromText: asList.fromText,
    check(value, where) {
      const entries: [string, unknown][] = []
      if (Array.isArray(value)) {
        for (const item of asList.check(value, where)) {
          const eq = item.indexOf('=')
          if (eq <= 0) throw invalidSetting(where, show(item), expected)
          entries.push([item.slice(0, eq), item.slice(eq + 1)])
        }
      } else if (typeof value === 'object' && value !== null) {
        entries.push(...Object.entries(value))
      } else throw invalidSetting(where, show(value), expected)
      const found = new Map<string, TargetAddress>()
      for (const [name, target] of entries) {
        if (!isValidRouteName(name)) {
          throw new RelayError(
            'RELAY_INVALID_OPTION',
            `Invalid route name "${name}": use letters, digits, ".", "_" or "-" (at most 63), e.g. --route echo=127.0.0.1:5000.`,
          )
        }
        if (found.has(name))
          throw new RelayError(
            'RELAY_INVALID_OPTION',
            `Route "${name}" is given twice.`,
          )
        try {
          found.set(
            name,
            typeof target === 'string'
              ? parseTargetAddress(target)
              : checkTargetAddress(target ?? {}),
          )
        } catch (err) {
          throw new RelayError(
            'RELAY_INVALID_OPTION',
            `Invalid route "${name}": ${(err as Error).message}`,
            { cause: err },
          )
        }
      }
      return found
    },
  })
}
