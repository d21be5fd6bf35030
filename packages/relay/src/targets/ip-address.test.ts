import { describe, expect, it } from 'vitest'
import { embeddedIPv4, ipv6Bytes, judgedAddress } from './ip-address.js'

describe('embedded IPv4', () => {
  it.each([
    ['::ffff:127.0.0.1', '127.0.0.1'],
    ['::ffff:7f00:1', '127.0.0.1'],
    ['::127.0.0.1', '127.0.0.1'],
    ['::a9fe:a9fe', '169.254.169.254'],
    ['::ffff:0:7f00:1', '127.0.0.1'],
    ['64:ff9b::a9fe:a9fe', '169.254.169.254'],
    ['64:ff9b::10.0.0.1', '10.0.0.1'],
    ['::1', undefined],
    ['::', undefined],
    ['2001:db8::1', undefined],
    ['fe80::1%eth0', undefined],
    ['not an address', undefined],
    ['127.0.0.1', undefined],
  ])('%s carries %s', (address, expected) => {
    expect(embeddedIPv4(address)).toBe(expected)
  })

  it('expands IPv6 to 16 bytes, with :: anywhere', () => {
    expect([...(ipv6Bytes('1:2::8') ?? [])]).toEqual([
      0, 1, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 8,
    ])
    expect([...(ipv6Bytes('::') ?? [])]).toEqual(new Array(16).fill(0))
  })

  it('judges a mapped address as IPv4 and leaves others alone', () => {
    expect(judgedAddress('::ffff:10.0.0.1', 6)).toEqual({
      address: '10.0.0.1',
      family: 4,
    })
    expect(judgedAddress('2606:4700::1111', 6)).toEqual({
      address: '2606:4700::1111',
      family: 6,
    })
  })
})
