import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { createRedactor, REDACTED } from './redaction.js'

const TOKEN = 'Sup3r-Secret_token.value~42+x'

describe('the redaction point', () => {
  const redact = createRedactor([TOKEN])

  it.each([
    [
      'a subprotocol with the prefix in upper case',
      `binary, WSRELAY.TOKEN.${TOKEN}`,
    ],
    ['the prefix in mixed case', `Wsrelay.Token.${TOKEN}`],
    ['the bare token as a subprotocol', `binary, ${TOKEN}`],
    ['the token in the query string', `/?token=${TOKEN}`],
    [
      'the token percent-encoded in a path',
      `/x?t=${encodeURIComponent(TOKEN)}`,
    ],
    [
      'the token in a sentence',
      `Unsupported WebSocket subprotocol(s) ${TOKEN}.`,
    ],
    ['the token in a JSON field', JSON.stringify({ path: `/${TOKEN}` })],
  ])('removes %s', (_form, text) => {
    const out = redact(text)
    expect(out).not.toContain(TOKEN)
    expect(out).not.toContain(encodeURIComponent(TOKEN))
    expect(out).toContain(REDACTED)
  })

  it("hides a client's own token on a relay that has none, and any token= value", () => {
    const none = createRedactor([undefined])
    expect(none('wsrelay.token.abcdefabcdefabcdef, binary')).toBe(
      'wsrelay.token.<redacted>, binary',
    )
    expect(none('/vnc?access_token=abc&x=1')).toBe(
      '/vnc?access_token=<redacted>&x=1',
    )
  })

  it('leaves other text alone', () => {
    expect(
      redact('Unsupported WebSocket subprotocol(s) chat, superchat.'),
    ).toBe('Unsupported WebSocket subprotocol(s) chat, superchat.')
  })

  it('never lets a token through, whatever text surrounds it', () => {
    const tokenChars = fc.constantFrom(...'ABCXYZabcxyz0189._~+-'.split(''))
    fc.assert(
      fc.property(
        fc.string({ unit: tokenChars, minLength: 16, maxLength: 64 }),
        fc.string({ maxLength: 40 }),
        fc.string({ maxLength: 40 }),
        fc.constantFrom(
          '',
          'wsrelay.token.',
          'WSRELAY.TOKEN.',
          '?token=',
          '&Token=',
        ),
        fc.boolean(),
        (token, before, after, prefix, isEncoded) => {
          const shown = isEncoded ? encodeURIComponent(token) : token
          const out = createRedactor([token])(before + prefix + shown + after)
          expect(out).not.toContain(token)
          expect(out).not.toContain(encodeURIComponent(token))
        },
      ),
      { numRuns: 500 },
    )
  })
})
