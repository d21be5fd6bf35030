import { describe, expect, it } from 'vitest'
import {
  hostAddressRanges,
  parseAllowRule,
  pickAllowedAddress,
} from './allow-rules.js'

const v4 = (address: string) => [{ address, family: 4 }]
const v6 = (address: string) => [{ address, family: 6 }]
const allows = (
  rules: string[],
  host: string,
  port: number,
  addresses: { address: string; family: number }[],
) =>
  pickAllowedAddress(rules.map(parseAllowRule), host, port, addresses)?.address

describe('allow rules and their transport', () => {
  it('opens TCP unless the rule starts with udp:, and keeps the rule as written', () => {
    expect(parseAllowRule('*:443')).toMatchObject({
      text: '*:443',
      transport: 'tcp',
      ports: { from: 443, to: 443 },
    })
    expect(parseAllowRule('tcp:*:443')).toMatchObject({ transport: 'tcp' })
    expect(parseAllowRule('udp:*:27015')).toMatchObject({
      text: 'udp:*:27015',
      transport: 'udp',
      host: { kind: 'any' },
      ports: { from: 27015, to: 27015 },
    })
    expect(parseAllowRule('udp:[fd00::]/8:27000-27100')).toMatchObject({
      transport: 'udp',
      host: { kind: 'cidr', prefix: 8, family: 6 },
      ports: { from: 27000, to: 27100 },
    })
    expect(parseAllowRule('udp:game.example:*')).toMatchObject({
      transport: 'udp',
      host: { kind: 'name', name: 'game.example' },
    })
  })

  it('refuses a udp: rule without host or port, quoting the rule as written', () => {
    expect(() => parseAllowRule('udp:27015')).toThrow(
      /^Invalid --allow "udp:27015": no port\. Expected \[udp:\]HOST:PORT/,
    )
    expect(() => parseAllowRule('udp:')).toThrow(/^Invalid --allow "udp:"/)
  })
})

describe('allow rules', () => {
  it.each([
    // rules, host asked for, port, resolved addresses, expected address (undefined = refused)
    [['*:443'], 'example.com', 443, v4('93.184.216.34'), '93.184.216.34'],
    [['*:443'], 'example.com', 80, v4('93.184.216.34'), undefined],
    [
      ['example.com:7000-7010'],
      'Example.COM.',
      7005,
      v4('93.184.216.34'),
      '93.184.216.34',
    ],
    [
      ['example.com:7000-7010'],
      'other.com',
      7005,
      v4('93.184.216.34'),
      undefined,
    ],
    [['203.0.113.0/24:*'], 'x', 9, v4('203.0.113.9'), '203.0.113.9'],
    [['93.184.0.0/16:*'], 'x', 9, v4('93.184.216.34'), '93.184.216.34'],
    // Special ranges stay shut unless a rule names them by address or CIDR.
    [['*:5000'], 'localhost', 5000, v4('127.0.0.1'), undefined],
    [['localhost:5000'], 'localhost', 5000, v4('127.0.0.1'), undefined],
    [['0.0.0.0/0:5000'], 'x', 5000, v4('127.0.0.1'), undefined],
    [['0.0.0.0/0:80'], 'metadata', 80, v4('169.254.169.254'), undefined],
    [['0.0.0.0/0:80'], 'x', 80, v4('10.1.2.3'), undefined],
    [['0.0.0.0/0:80'], 'x', 80, v4('100.100.100.200'), undefined],
    [['0.0.0.0/0:80'], 'x', 80, v4('0.0.0.0'), undefined],
    [['0.0.0.0/0:80'], 'x', 80, v4('224.0.0.1'), undefined],
    [['127.0.0.1/32:5000'], 'localhost', 5000, v4('127.0.0.1'), '127.0.0.1'],
    [['127.0.0.1:5000'], 'localhost', 5000, v4('127.0.0.1'), '127.0.0.1'],
    [['10.0.0.0/8:5432'], 'db', 5432, v4('10.1.2.3'), '10.1.2.3'],
    [['10.0.0.0/7:5432'], 'db', 5432, v4('10.1.2.3'), undefined],
    // IPv6 and the IPv4-mapped forms of special addresses.
    [['*:80'], 'x', 80, v6('::1'), undefined],
    [['*:80'], 'x', 80, v6('::ffff:127.0.0.1'), undefined],
    [['0.0.0.0/0:80'], 'x', 80, v6('::ffff:7f00:1'), undefined],
    // Embedded IPv4 is judged as the IPv4 address it is.
    [['127.0.0.1/32:80'], 'x', 80, v6('::ffff:7f00:1'), '::ffff:7f00:1'],
    [['[::ffff:0:0]/96:80'], 'x', 80, v6('::ffff:127.0.0.1'), undefined],
    [['[64:ff9b::]/96:80'], 'x', 80, v6('64:ff9b::a9fe:a9fe'), undefined],
    [['[64:ff9b::]/96:80'], 'x', 80, v6('64:ff9b::7f00:1'), undefined],
    [['[64:ff9b::]/96:80'], 'x', 80, v6('64:ff9b::10.0.0.1'), undefined],
    [['*:80'], 'x', 80, v6('::127.0.0.1'), undefined],
    [['*:80'], 'x', 80, v6('::a9fe:a9fe'), undefined],
    [['*:80'], 'x', 80, v6('::ffff:0:7f00:1'), undefined],
    [['*:80'], 'x', 80, v6('64:ff9b:1::7f00:1'), undefined],
    [['*:80'], 'x', 80, v6('2002:7f00:1::1'), undefined],
    [['*:80'], 'x', 80, v6('2002:a9fe:a9fe::1'), undefined],
    [['*:80'], 'x', 80, v6('2001:0:4136:e378:8000:63bf:3fff:fdd2'), undefined],
    [['*:80'], 'x', 80, v6('fec0::1'), undefined],
    [['*:80'], 'x', 80, v6('100::1'), undefined],
    [['*:80'], 'x', 80, v6('2001:db8::1'), undefined],
    [['*:80'], 'x', 80, v4('192.0.2.1'), undefined],
    [['0.0.0.0/0:80'], 'x', 80, v4('198.51.100.1'), undefined],
    [['0.0.0.0/0:80'], 'x', 80, v4('203.0.113.1'), undefined],
    [['0.0.0.0/0:80'], 'x', 80, v4('192.88.99.1'), undefined],
    [['*:80'], 'x', 80, v6('2606:4700::1111'), '2606:4700::1111'],
    [['*:80'], 'x', 80, v6('fd00:ec2::254'), undefined],
    [['*:80'], 'x', 80, v6('fe80::1'), undefined],
    [['[::1]/128:80'], 'x', 80, v6('::1'), '::1'],
    [['[2001:db8::]/32:80'], 'x', 80, v6('2001:db8::5'), '2001:db8::5'],
  ])('%j for %s:%i at %j -> %s', (rules, host, port, addresses, expected) => {
    expect(allows(rules, host, port, addresses)).toBe(expected)
  })

  it('picks the first allowed address, skipping refused ones', () => {
    expect(
      allows(['*:80'], 'x', 80, [...v4('127.0.0.1'), ...v4('93.184.216.34')]),
    ).toBe('93.184.216.34')
  })

  it.each([
    ['example.com', 'no port.'],
    ['::1:80', 'IPv6 must be in brackets.'],
    ['example.com:0', 'bad port "0".'],
    ['example.com:90-80', 'bad port "90-80".'],
    ['10.0.0.0/33:80', 'bad prefix "/33".'],
    ['example.com/8:80', 'a prefix needs an IP address, not "example.com".'],
    ['exa mple:80', 'bad host "exa mple".'],
  ])('rejects %s: %s', (text, why) => {
    expect(() => parseAllowRule(text)).toThrow(
      `Invalid --allow "${text}": ${why}`,
    )
  })
})

describe("the relay host's own addresses", () => {
  it('are shut to broad rules and open to a rule naming exactly them', () => {
    const ranges = hostAddressRanges({
      eth0: [
        {
          address: '93.184.216.34',
          family: 'IPv4',
          netmask: '255.255.255.0',
          mac: '00:00:00:00:00:00',
          internal: false,
          cidr: '93.184.216.34/24',
        },
      ],
    })
    const pick = (rule: string) =>
      pickAllowedAddress(
        [parseAllowRule(rule)],
        'x',
        80,
        v4('93.184.216.34'),
        ranges,
      )
    expect(pick('*:80')).toBeUndefined()
    expect(pick('0.0.0.0/0:80')).toBeUndefined()
    expect(pick('93.184.216.34/32:80')?.address).toBe('93.184.216.34')
  })
})
