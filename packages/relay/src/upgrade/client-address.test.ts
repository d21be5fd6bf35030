import net from 'node:net'
import type { IncomingMessage } from 'node:http'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  canonicalAddress,
  clientAddressOf,
  parseTrustedProxies,
} from './client-address.js'

const request = (peer: string, xff: string) =>
  ({
    socket: { remoteAddress: peer },
    headers: { 'x-forwarded-for': xff },
  }) as unknown as IncomingMessage

describe('client addresses', () => {
  it.each([
    ['2001:DB8:0:0:0:0:0:1', '2001:db8::1'],
    ['2001:db8::0:1', '2001:db8::1'],
    ['2001:0db8:0000:0000:0001:0000:0000:0001', '2001:db8::1:0:0:1'],
    ['::ffff:909:909', '9.9.9.9'],
    ['::FFFF:9.9.9.9', '9.9.9.9'],
    ['::ffff:0:9.9.9.9', '9.9.9.9'],
    ['9.9.9.9', '9.9.9.9'],
    ['fe80:0:0:0:1:0:0:0', 'fe80::1:0:0:0'],
  ])('spells %s as %s', (given, canonical) => {
    expect(canonicalAddress(given)).toBe(canonical)
  })

  it('gives every spelling of one forwarded address one per-IP key', () => {
    const trusted = parseTrustedProxies(['127.0.0.1/32'])
    const keys = new Set(
      ['2001:db8::7', '2001:DB8:0::7', '2001:db8:0:0:0:0:0:7'].map((xff) =>
        clientAddressOf(request('127.0.0.1', xff), trusted),
      ),
    )
    expect([...keys]).toEqual(['2001:db8::7'])
    expect(
      clientAddressOf(request('127.0.0.1', '::ffff:909:909'), trusted),
    ).toBe('9.9.9.9')
  })

  it('keeps the address: a canonical spelling names the same address, and spells itself', () => {
    const v6 = fc
      .array(fc.nat(0xffff), { minLength: 8, maxLength: 8 })
      .map((g) => g.map((x) => x.toString(16)).join(':'))
    fc.assert(
      fc.property(v6, (address) => {
        const canonical = canonicalAddress(address)
        expect(canonicalAddress(canonical)).toBe(canonical)
        const list = new net.BlockList()
        list.addAddress(address, 'ipv6')
        if (net.isIPv6(canonical))
          expect(list.check(canonical, 'ipv6')).toBe(true)
      }),
      { numRuns: 1000 },
    )
  })
})
