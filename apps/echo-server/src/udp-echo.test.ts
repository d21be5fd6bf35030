import { describe, expect, it } from 'vitest'
import { echoDatagramLines } from './udp-echo.js'

describe('echoDatagramLines', () => {
  it.each([
    ['hello\n', 'hello from the server\n'],
    ['hello', 'hello from the server'],
    ['one\ntwo\r\n', 'one from the server\ntwo from the server\r\n'],
    ['one\ntwo', 'one from the server\ntwo from the server'],
    ['', ' from the server'],
    ['héllo\n', 'héllo from the server\n'],
  ])('answers %j with %j: a datagram is a whole message', (input, answer) => {
    expect(
      echoDatagramLines(Buffer.from(input), ' from the server').toString(),
    ).toBe(answer)
  })
})
