import type { IncomingMessage } from 'node:http'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { RELAY_CLOSE_CODES } from '@wsrelay/protocol'
import {
  createHostAddresses,
  parseAllowRule,
  pickAllowedAddress,
} from '../targets/allow-rules.js'
import { escapeControls } from '../observability/logger.js'
import { closeCodeLabel } from '../observability/metrics.js'
import {
  connectionsWithinFdLimit,
  FDS_RESERVED,
  fdsForRefusing,
} from '../settings/fd-limit.js'
import { SETTINGS } from '../settings/settings.js'
import {
  clientAddressOf,
  parseTrustedProxies,
} from '../upgrade/client-address.js'
import { RelayError } from '../errors.js'
import { isOriginAllowed, normalizeOrigin } from '../upgrade/origin-policy.js'
import { parseHostPort } from '../targets/target-address.js'
import { routeNameOf } from '../targets/target-selection.js'

// Every parser of network input in the relay, fed arbitrary strings: they
// answer (or throw the documented RelayError for a bad option), never crash.

const anyString = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 300 }),
  fc.webUrl().map((u) => u + '/%'),
  fc.stringMatching(/^[%/a-zA-Z0-9?#.:[\]*-]{0,40}$/),
)
/** Paths with percent escapes, valid and not. */
const anyPath = fc.oneof(
  anyString,
  fc
    .array(
      fc.oneof(
        fc.constantFrom(
          '%',
          '%zz',
          '%ff',
          '%E0%A4%A',
          '%C0%AF',
          '/',
          '?',
          '%2F',
        ),
        fc.webSegment(),
      ),
      {
        maxLength: 8,
      },
    )
    .map((parts) => '/' + parts.join('')),
)

/** Calls fn; a RelayError with RELAY_INVALID_OPTION is the documented answer to misuse. */
const onlyInvalidOption = (fn: () => unknown): void => {
  try {
    fn()
  } catch (err) {
    expect(err).toBeInstanceOf(RelayError)
    expect((err as RelayError).code).toBe('RELAY_INVALID_OPTION')
    expect((err as RelayError).message.length).toBeGreaterThan(0)
  }
}

describe('routeNameOf (the upgrade path)', () => {
  it('never throws on any path: a name, or undefined for a malformed escape', () => {
    fc.assert(
      fc.property(anyPath, (path) => {
        const name = routeNameOf(path)
        expect(name === undefined || typeof name === 'string').toBe(true)
      }),
      { numRuns: 500 },
    )
  })

  it('answers undefined for each malformed escape issue 7 saw', () => {
    for (const path of ['/%', '/%zz', '/%ff', '/a%', '/%E0%A4%A', '/%C0%AF'])
      expect(routeNameOf(path)).toBeUndefined()
  })

  it('returns the decoded first segment of a well-formed path', () => {
    fc.assert(
      fc.property(fc.webSegment(), fc.webSegment(), (first, rest) => {
        expect(routeNameOf(`/${first}/${rest}?q=1`)).toBe(
          decodeURIComponent(first),
        )
      }),
    )
  })
})

describe('parseAllowRule and pickAllowedAddress', () => {
  it('parseAllowRule throws only RELAY_INVALID_OPTION on any text', () => {
    fc.assert(
      fc.property(anyString, (text) =>
        onlyInvalidOption(() => parseAllowRule(text)),
      ),
      {
        numRuns: 500,
      },
    )
  })

  it('parses every well-formed HOST:PORT rule it is given, with or without a transport', () => {
    const host = fc.oneof(
      fc.constant('*'),
      fc.domain(),
      fc.ipV4(),
      fc.ipV6().map((a) => `[${a}]`),
    )
    const prefix = fc.constantFrom('', 'tcp:', 'udp:')
    fc.assert(
      fc.property(
        prefix,
        host,
        fc.integer({ min: 1, max: 65535 }),
        (t, h, p) => {
          const rule = parseAllowRule(`${t}${h}:${p}`)
          expect(rule.ports).toEqual({ from: p, to: p })
          expect(rule.transport).toBe(t === 'udp:' ? 'udp' : 'tcp')
        },
      ),
    )
  })

  it('parseAllowRule throws only RELAY_INVALID_OPTION behind a udp: prefix too', () => {
    fc.assert(
      fc.property(anyString, (text) =>
        onlyInvalidOption(() => parseAllowRule(`udp:${text}`)),
      ),
      { numRuns: 300 },
    )
  })

  it('pickAllowedAddress never throws and only returns an address it was given', () => {
    const rule = fc.oneof(
      fc.constantFrom(
        '*:*',
        '0.0.0.0/0:*',
        '[::]/0:*',
        '127.0.0.1/32:*',
        '[::ffff:0:0]/96:*',
        '[64:ff9b::]/96:*',
      ),
      fc.ipV4().map((a) => `${a}/8:1-65535`),
    )
    const address = fc.oneof(
      fc.ipV4().map((address) => ({ address, family: 4 })),
      fc.ipV6().map((address) => ({ address, family: 6 })),
      fc.record({
        address: fc.string(),
        family: fc.integer({ min: 0, max: 7 }),
      }),
    )
    fc.assert(
      fc.property(
        fc.array(rule, { maxLength: 3 }),
        fc.string(),
        fc.integer({ min: 0, max: 70_000 }),
        fc.array(address, { maxLength: 4 }),
        (rules, host, port, addresses) => {
          let picked: ReturnType<typeof pickAllowedAddress>
          try {
            picked = pickAllowedAddress(
              rules.map(parseAllowRule),
              host,
              port,
              addresses,
            )
          } catch (err) {
            // net.BlockList throws on a string that is not an address of the family given;
            // the resolver never yields one, so this is outside the contract.
            expect((err as NodeJS.ErrnoException).code).toBe(
              'ERR_INVALID_ARG_VALUE',
            )
            return
          }
          if (picked)
            expect(addresses.map((a) => a.address)).toContain(picked.address)
        },
      ),
      { numRuns: 500 },
    )
  })
})

describe('origin policy (Origin and Host headers)', () => {
  const header = fc.oneof(
    fc.constant(undefined),
    anyString,
    fc.webUrl(),
    fc.constant('null'),
  )
  it('isOriginAllowed never throws and answers a boolean', () => {
    fc.assert(
      fc.property(
        header,
        header,
        fc.array(anyString, { maxLength: 3 }),
        (origin, host, allowed) => {
          expect(typeof isOriginAllowed(origin, host, allowed)).toBe('boolean')
        },
      ),
      { numRuns: 500 },
    )
  })

  it('normalizeOrigin never throws and is idempotent', () => {
    fc.assert(
      fc.property(fc.oneof(anyString, fc.webUrl()), (origin) => {
        const once = normalizeOrigin(origin)
        expect(normalizeOrigin(once)).toBe(once)
      }),
      { numRuns: 500 },
    )
  })

  it('refuses a foreign origin unless it is allowed', () => {
    fc.assert(
      fc.property(
        fc.domain(),
        fc.integer({ min: 1, max: 65535 }),
        (host, port) => {
          fc.pre(host !== '127.0.0.1')
          expect(
            isOriginAllowed(`http://${host}:${port}`, `127.0.0.1:${port}`, []),
          ).toBe(false)
        },
      ),
    )
  })
})

describe('clientAddressOf (X-Forwarded-For)', () => {
  const trusted = parseTrustedProxies(['127.0.0.1/32', '10.0.0.0/8'])
  const request = (
    peer: string | undefined,
    xff: string | string[] | undefined,
  ) =>
    ({
      socket: { remoteAddress: peer },
      headers: { 'x-forwarded-for': xff },
    }) as unknown as IncomingMessage

  it('never throws, and answers the peer or an address from the header', () => {
    const xff = fc.oneof(
      fc.constant(undefined),
      anyString,
      fc
        .array(fc.oneof(fc.ipV4(), fc.ipV6(), anyString), { maxLength: 5 })
        .map((a) => a.join(', ')),
      fc.array(anyString, { maxLength: 3 }),
    )
    const peer = fc.oneof(
      fc.constant(undefined),
      fc.constantFrom('127.0.0.1', '::ffff:127.0.0.1', '10.1.2.3', '8.8.8.8'),
    )
    fc.assert(
      fc.property(peer, xff, (p, x) => {
        const address = clientAddressOf(request(p, x), trusted)
        expect(typeof address).toBe('string')
        expect(address.length).toBeGreaterThan(0)
      }),
      { numRuns: 500 },
    )
  })

  it('ignores X-Forwarded-For from a peer that is not trusted', () => {
    fc.assert(
      fc.property(fc.ipV4(), (forged) => {
        expect(clientAddressOf(request('8.8.8.8', forged), trusted)).toBe(
          '8.8.8.8',
        )
      }),
    )
  })
})

describe('parseHostPort', () => {
  it('throws only RELAY_INVALID_OPTION on any text', () => {
    fc.assert(
      fc.property(
        anyString,
        fc.constantFrom<'listen' | 'target'>('listen', 'target'),
        (text, what) =>
          onlyInvalidOption(() =>
            parseHostPort(
              text,
              what,
              what === 'listen' ? '127.0.0.1' : undefined,
            ),
          ),
      ),
      { numRuns: 500 },
    )
  })

  it('round-trips host:port and [v6]:port', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.domain(), fc.ipV4()),
        fc.integer({ min: 1, max: 65535 }),
        (host, port) => {
          expect(parseHostPort(`${host}:${port}`, 'target')).toEqual({
            host,
            port,
          })
        },
      ),
    )
    fc.assert(
      fc.property(
        fc.ipV6(),
        fc.integer({ min: 1, max: 65535 }),
        (host, port) => {
          expect(parseHostPort(`[${host}]:${port}`, 'target')).toEqual({
            host,
            port,
          })
        },
      ),
    )
  })
})

describe('what the hostile review found, generated', () => {
  it('a readable log line escapes every control character of any text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (text) => {
        expect(escapeControls(text)).not.toMatch(
          // eslint-disable-next-line no-control-regex
          /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/,
        )
      }),
      { numRuns: 1000 },
    )
  })

  it('any close code a client chooses lands in one of a bounded set of metric series', () => {
    const labels = new Set<string>()
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 65535 }), (code) => {
        const label = closeCodeLabel(code)
        labels.add(label)
        expect(label === 'other' || Number(label) === code).toBe(true)
      }),
      { numRuns: 2000 },
    )
    expect(labels.size).toBeLessThanOrEqual(RELAY_CLOSE_CODES.length + 4)
  })

  it('an absolute-form target names the route its path names', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('ws', 'wss', 'http', 'https'),
        fc.domain(),
        fc.webSegment(),
        fc.webSegment(),
        (scheme, host, first, rest) => {
          expect(routeNameOf(`${scheme}://${host}/${first}/${rest}`)).toBe(
            routeNameOf(`/${first}/${rest}`),
          )
        },
      ),
      { numRuns: 500 },
    )
  })

  it('any valid route name, built-ins included, is a route of its own', () => {
    const name = fc.oneof(
      fc.constantFrom('constructor', 'toString', 'valueOf', 'hasOwnProperty'),
      fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._-]{0,20}$/),
    )
    fc.assert(
      fc.property(fc.uniqueArray(name, { maxLength: 6 }), (names) => {
        const route = Object.fromEntries(
          names.map((n, i) => [n, `127.0.0.1:${1000 + i}`]),
        )
        const checked = SETTINGS.route.check(route, 'option route')
        expect([...checked.keys()].sort()).toEqual([...names].sort())
      }),
      { numRuns: 300 },
    )
  })

  it('any open-file limit holds its sessions with both reserves left', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 200, max: 1_000_000 }),
        fc.integer({ min: 1, max: 100_000 }),
        (limit, wanted) => {
          const fits = connectionsWithinFdLimit(wanted, limit)
          expect(fits).toBeLessThanOrEqual(wanted)
          expect(
            2 * (fits + 1) + FDS_RESERVED + fdsForRefusing(limit),
          ).toBeLessThanOrEqual(limit)
        },
      ),
      { numRuns: 1000 },
    )
  })

  it("every address on the host's interfaces, as they are now, is shut to broad rules", () => {
    const v4 = fc
      .tuple(
        fc.integer({ min: 1, max: 223 }),
        fc.nat(255),
        fc.nat(255),
        fc.nat(255),
      )
      .map((p) => p.join('.'))
    fc.assert(
      fc.property(fc.array(v4, { minLength: 1, maxLength: 5 }), (addresses) => {
        const ranges = createHostAddresses(() => ({
          eth0: addresses.map((address) => ({
            address,
            family: 'IPv4' as const,
            netmask: '255.255.255.255',
            mac: '00:00:00:00:00:00',
            internal: false,
            cidr: `${address}/32`,
          })),
        }))()
        for (const address of addresses)
          expect(
            pickAllowedAddress(
              [parseAllowRule('*:80')],
              'x',
              80,
              [{ address, family: 4 }],
              ranges,
            ),
          ).toBeUndefined()
      }),
      { numRuns: 300 },
    )
  })
})
