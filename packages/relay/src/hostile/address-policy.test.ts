import { networkInterfaces } from 'node:os'
import { describe, expect, it } from 'vitest'
import { parseAllowRule, pickAllowedAddress } from '../targets/allow-rules.js'

// Issue 7, "Security": IPv6 forms that embed or stand for special addresses,
// rules over IPv4-embedding ranges, IPv4 documentation ranges and the host's
// own addresses. Judged here through the function the relay uses to pick an
// address, so no test sends a packet off loopback; the CLI tests in
// security.test.ts cover the forms that stay on this host.

const P = 7000
const family = (address: string): 4 | 6 => (address.includes(':') ? 6 : 4)
const picks = (rule: string, address: string) =>
  pickAllowedAddress([parseAllowRule(rule)], address, P, [
    { address, family: family(address) },
  ])

/** Issue 7's list of special IPv6 forms `*:PORT` let through. */
const SPECIAL_V6: readonly (readonly [string, string])[] = [
  ['::127.0.0.1', 'IPv4-compatible loopback'],
  ['::a9fe:a9fe', 'IPv4-compatible cloud metadata (169.254.169.254)'],
  ['::ffff:0:7f00:1', 'IPv4-translated loopback'],
  ['64:ff9b:1::7f00:1', 'local-use NAT64 (64:ff9b:1::/48)'],
  ['64:ff9b:1:fffe::a9fe:a9fe', 'local-use NAT64 metadata'],
  ['2002:7f00:1::1', '6to4 embedding 127.0.0.1'],
  ['2002:a9fe:a9fe::1', '6to4 embedding 169.254.169.254'],
  [
    '2001:0:4136:e378:8000:63bf:80ff:fffe',
    'Teredo (2001::/32) embedding 127.0.0.1',
  ],
  ['2001::1', 'Teredo (2001::/32)'],
  ['fec0::1', 'site-local (fec0::/10)'],
  ['100::1', 'discard-only (100::/64)'],
  ['2001:db8::1', 'documentation (2001:db8::/32)'],
]

/** IPv4 ranges for documentation and the deprecated 6to4 relay anycast. */
const SPECIAL_V4: readonly (readonly [string, string])[] = [
  ['192.0.2.10', 'TEST-NET-1 (192.0.2.0/24)'],
  ['198.51.100.10', 'TEST-NET-2 (198.51.100.0/24)'],
  ['203.0.113.10', 'TEST-NET-3 (203.0.113.0/24)'],
  ['192.88.99.1', '6to4 relay anycast (192.88.99.0/24)'],
]

/** This host's own non-loopback addresses: a broad rule must not reach the relay's host. */
const OWN = Object.values(networkInterfaces())
  .flat()
  .filter((i) => i !== undefined && !i.internal)
  .map((i) => (i?.address ?? '').replace(/%.*$/, ''))
  .filter((a) => a.length > 0)

describe('special IPv6 forms are refused by *:PORT', () => {
  it.each(SPECIAL_V6)('refuses %s (%s)', (address) => {
    expect(picks(`*:${P}`, address)).toBeUndefined()
  })
})

describe('IPv4 documentation and 6to4-relay ranges are special', () => {
  it.each(SPECIAL_V4)('*:PORT refuses %s (%s)', (address) => {
    expect(picks(`*:${P}`, address)).toBeUndefined()
  })
  it.each(SPECIAL_V4)('0.0.0.0/0:PORT refuses %s (%s)', (address) => {
    expect(picks(`0.0.0.0/0:${P}`, address)).toBeUndefined()
  })
})

describe("the relay host's own non-loopback addresses are special", () => {
  it.skipIf(OWN.length === 0).each(OWN)(
    '*:PORT and a covering CIDR refuse %s',
    (address) => {
      expect(picks(`*:${P}`, address)).toBeUndefined()
      expect(
        picks(
          family(address) === 4 ? `0.0.0.0/0:${P}` : `[::]/0:${P}`,
          address,
        ),
      ).toBeUndefined()
    },
  )
})

describe('embedded IPv4 is judged as the IPv4 address it is', () => {
  it('[::ffff:0:0]/96 does not open ::ffff:127.0.0.1', () => {
    expect(picks(`[::ffff:0:0]/96:${P}`, '::ffff:127.0.0.1')).toBeUndefined()
    expect(picks(`[::ffff:0:0]/96:${P}`, '::ffff:7f00:1')).toBeUndefined()
  })
  it.each([
    ['64:ff9b::a9fe:a9fe', '169.254.169.254'],
    ['64:ff9b::7f00:1', '127.0.0.1'],
    ['64:ff9b::a00:1', '10.0.0.1'],
  ])('[64:ff9b::]/96 does not open %s (NAT64 of %s)', (address) => {
    expect(picks(`[64:ff9b::]/96:${P}`, address)).toBeUndefined()
  })
  it('still lets a public IPv4 address through *:PORT (control)', () => {
    // Control: the fix must not refuse every mapped address.
    expect(picks(`*:${P}`, '8.8.8.8')).toEqual({
      address: '8.8.8.8',
      family: 4,
    })
  })
})

describe('udp: rules keep the special ranges shut, as TCP rules do', () => {
  it.each([
    ['udp:*:*', '127.0.0.1'],
    ['udp:*:*', '169.254.169.254'],
    ['udp:*:*', '::1'],
    ['udp:*:*', '::ffff:127.0.0.1'],
    ['udp:0.0.0.0/0:*', '10.0.0.1'],
    ['udp:[::]/0:*', 'fd00::1'],
    ['udp:*:*', '2002:7f00:1::1'],
  ])('%s does not open %s', (rule, address) => {
    expect(picks(rule, address)).toBeUndefined()
  })

  it('opens a special address only through a udp: rule inside its range', () => {
    expect(picks('udp:127.0.0.1/32:*', '127.0.0.1')?.address).toBe('127.0.0.1')
    expect(picks('udp:10.0.0.0/8:7000', '10.1.2.3')?.address).toBe('10.1.2.3')
  })
})
