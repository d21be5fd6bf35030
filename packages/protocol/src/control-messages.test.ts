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
      { type: 'pong', id: 1, ts: 2 },
      { type: 'end' },
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
  ])('%s', (_name, text) => {
    expect(parseRelayMessage(text).ok).toBe(false)
  })
})
