import { describe, expect, it } from 'vitest'
import {
  encodeControlMessage,
  parseClientMessage,
  parseRelayMessage,
} from './control-messages.js'

describe('parseClientMessage', () => {
  it.each([
    ['{"type":"open"}', { type: 'open' }],
    ['{"type":"open","route":"echo"}', { type: 'open', route: 'echo' }],
    [
      '{"type":"open","host":"game.example","port":7000}',
      { type: 'open', host: 'game.example', port: 7000 },
    ],
    [
      '{"type":"open","host":"::1","port":1}',
      { type: 'open', host: '::1', port: 1 },
    ],
    [
      '{"type":"open","host":"127.0.0.1","port":27015,"transport":"udp"}',
      { type: 'open', host: '127.0.0.1', port: 27015, transport: 'udp' },
    ],
    [
      '{"type":"open","route":"game","transport":"udp"}',
      { type: 'open', route: 'game', transport: 'udp' },
    ],
    ['{"type":"open","transport":"tcp"}', { type: 'open', transport: 'tcp' }],
    ['{"type":"ping","id":3,"ts":1712.5}', { type: 'ping', id: 3, ts: 1712.5 }],
    ['{"type":"end"}', { type: 'end' }],
  ])('accepts %s', (text, message) => {
    expect(parseClientMessage(text)).toEqual({ ok: true, message })
  })

  it.each([
    ['not json', 'Control message is not valid JSON.'],
    ['[1,2]', 'Control message must be a JSON object.'],
    ['null', 'Control message must be a JSON object.'],
    ['{"kind":"open"}', 'Control message needs a string "type".'],
    ['{"type":"launch"}', 'Unknown control message type "launch".'],
    [
      '{"type":"open","host":"a b","port":1}',
      'open "host" must be a host name or IP address.',
    ],
    [
      '{"type":"open","host":"","port":1}',
      'open "host" must be a host name or IP address.',
    ],
    [
      '{"type":"open","host":"x","port":0}',
      'open "port" must be a whole number from 1 to 65535.',
    ],
    [
      '{"type":"open","host":"x","port":65536}',
      'open "port" must be a whole number from 1 to 65535.',
    ],
    [
      '{"type":"open","host":"x","port":"80"}',
      'open "port" must be a whole number from 1 to 65535.',
    ],
    [
      '{"type":"open","host":"x"}',
      'open "port" must be a whole number from 1 to 65535.',
    ],
    ['{"type":"open","route":"../etc"}', 'open "route" must be a route name.'],
    [
      '{"type":"open","route":"echo","host":"x","port":1}',
      'open takes a route or a host and port, not both.',
    ],
    ['{"type":"open","evil":true}', 'Unknown field "evil" in open.'],
    [
      '{"type":"open","host":"x","port":1,"transport":"UDP"}',
      'open "transport" must be "tcp" or "udp".',
    ],
    [
      '{"type":"open","route":"game","transport":"sctp"}',
      'open "transport" must be "tcp" or "udp".',
    ],
    [
      '{"type":"open","transport":null}',
      'open "transport" must be "tcp" or "udp".',
    ],
    ['{"type":"ping","id":-1,"ts":0}', 'ping needs a whole-number "id".'],
    ['{"type":"ping","id":1}', 'ping needs a numeric "ts".'],
    ['{"type":"end","now":1}', 'Unknown field "now" in end.'],
    [
      `{"type":"open","host":"${'a'.repeat(2000)}","port":1}`,
      'Control message too long (2034 bytes, limit 1024).',
    ],
  ])('refuses %s', (text, error) => {
    expect(parseClientMessage(text)).toEqual({ ok: false, error })
  })
})

describe('parseRelayMessage', () => {
  it('round-trips what the relay sends', () => {
    for (const message of [
      { type: 'connected', route: 'echo' },
      { type: 'connected' },
      {
        type: 'connected',
        host: 'game.example',
        port: 7000,
        address: '203.0.113.9',
      },
      {
        type: 'connected',
        host: 'game.example',
        port: 27015,
        address: '203.0.113.9',
        transport: 'udp',
      },
      { type: 'connected', route: 'game', transport: 'udp' },
      { type: 'pong', id: 1, ts: 2 },
      { type: 'end' },
      { type: 'notice', kind: 'dropped', datagrams: 12, bytes: 768 },
    ] as const) {
      expect(parseRelayMessage(encodeControlMessage(message))).toEqual({
        ok: true,
        message,
      })
    }
  })
})

describe('parseRelayMessage refuses', () => {
  it.each([
    ['a host without port and address', '{"type":"connected","host":"x"}'],
    [
      'a port out of range',
      '{"type":"connected","host":"x","port":0,"address":"1.2.3.4"}',
    ],
    ['a route that is not a string', '{"type":"connected","route":7}'],
    ['an unknown transport', '{"type":"connected","transport":"quic"}'],
    [
      'a notice of an unknown kind',
      '{"type":"notice","kind":"weather","datagrams":1,"bytes":1}',
    ],
    [
      'a negative count',
      '{"type":"notice","kind":"dropped","datagrams":-1,"bytes":1}',
    ],
    [
      'a fractional count',
      '{"type":"notice","kind":"dropped","datagrams":1.5,"bytes":1}',
    ],
    [
      'a notice with an extra field',
      '{"type":"notice","kind":"dropped","datagrams":1,"bytes":1,"x":1}',
    ],
  ])('%s', (_name, text) => {
    expect(parseRelayMessage(text).ok).toBe(false)
  })
})
