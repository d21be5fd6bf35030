import {
  CloseCode,
  closeCodeInfo,
  MAX_CLOSE_REASON_BYTES,
} from '@wsrelay/protocol'
import { describe, expect, it } from 'vitest'
import {
  classifyTargetError,
  connectTimeoutFailure,
  datagramTooBigFailure,
} from './target-failure.js'

const target = { host: 'game.example', port: 7000 }
const errno = (code: string) => Object.assign(new Error(code), { code })

describe('classifyTargetError', () => {
  it.each([
    [
      'ECONNREFUSED',
      'connect',
      CloseCode.TARGET_REFUSED,
      'RELAY_TARGET_REFUSED',
    ],
    [
      'ENOTFOUND',
      'connect',
      CloseCode.TARGET_DNS_FAILED,
      'RELAY_TARGET_DNS_FAILED',
    ],
    [
      'EAI_AGAIN',
      'connect',
      CloseCode.TARGET_DNS_FAILED,
      'RELAY_TARGET_DNS_FAILED',
    ],
    [
      'EHOSTUNREACH',
      'connect',
      CloseCode.TARGET_UNREACHABLE,
      'RELAY_TARGET_UNREACHABLE',
    ],
    [
      'ENETUNREACH',
      'connect',
      CloseCode.TARGET_UNREACHABLE,
      'RELAY_TARGET_UNREACHABLE',
    ],
    ['ETIMEDOUT', 'stream', CloseCode.TARGET_TIMEOUT, 'RELAY_TARGET_TIMEOUT'],
    ['ECONNRESET', 'stream', CloseCode.TARGET_RESET, 'RELAY_TARGET_RESET'],
    ['EPIPE', 'stream', CloseCode.TARGET_RESET, 'RELAY_TARGET_RESET'],
    ['EWHATEVER', 'stream', CloseCode.TARGET_ERROR, 'RELAY_TARGET_ERROR'],
  ] as const)(
    'maps %s during %s to close %i',
    (code, phase, closeCode, errorCode) => {
      const failure = classifyTargetError(errno(code), target, phase)
      expect(failure.closeCode).toBe(closeCode)
      expect(failure.error.code).toBe(errorCode)
      expect(failure.error.cause).toMatchObject({ code })
      expect(failure.closeReason).toContain('game.example:7000')
      expect(failure.closeReason).toContain(code)
    },
  )

  it('keeps the reason inside a close frame even for a very long host name', () => {
    const long = { host: `${'a'.repeat(200)}.example`, port: 1 }
    const { closeReason } = classifyTargetError(
      errno('ENOTFOUND'),
      long,
      'connect',
    )
    expect(Buffer.byteLength(closeReason)).toBeLessThanOrEqual(
      MAX_CLOSE_REASON_BYTES,
    )
  })

  it('logs the reason the browser reads plus the hint the browser shows: one set of words', () => {
    const failure = classifyTargetError(
      errno('ECONNREFUSED'),
      target,
      'connect',
    )
    expect(failure.closeReason).toBe(
      'Cannot reach TCP target game.example:7000 (ECONNREFUSED).',
    )
    expect(failure.error.message).toBe(
      `${failure.closeReason} ${closeCodeInfo(CloseCode.TARGET_REFUSED).hint}`,
    )
    const slow = connectTimeoutFailure(target, 2500)
    expect(slow.error.message).toBe(
      'TCP target game.example:7000 did not answer within 2500 ms. ' +
        closeCodeInfo(CloseCode.TARGET_TIMEOUT).hint,
    )
    expect(slow.error.code).toBe('RELAY_TARGET_TIMEOUT')
  })

  it('calls a refused connection mid-stream an error, not a refusal', () => {
    expect(
      classifyTargetError(errno('ECONNREFUSED'), target, 'stream').closeCode,
    ).toBe(CloseCode.TARGET_ERROR)
  })

  it('calls ICMP port unreachable on a UDP target 4006, in any phase, in UDP words', () => {
    const udp = { ...target, transport: 'udp' } as const
    for (const phase of ['connect', 'stream'] as const) {
      const failure = classifyTargetError(errno('ECONNREFUSED'), udp, phase)
      expect(failure.closeCode).toBe(CloseCode.UDP_TARGET_REFUSED)
      expect(failure.error.code).toBe('RELAY_UDP_TARGET_REFUSED')
      expect(failure.closeReason).toBe(
        'UDP target game.example:7000 refused a datagram (ICMP port unreachable).',
      )
      expect(failure.error.message).toBe(
        `${failure.closeReason} ${closeCodeInfo(CloseCode.UDP_TARGET_REFUSED).hint}`,
      )
    }
  })

  it('names the transport in the words of failures both transports share', () => {
    const udp = { ...target, transport: 'udp' } as const
    expect(
      classifyTargetError(errno('ENOTFOUND'), udp, 'connect').closeReason,
    ).toBe('Cannot resolve UDP target game.example:7000 (ENOTFOUND).')
    expect(
      classifyTargetError(errno('EHOSTUNREACH'), udp, 'stream').closeCode,
    ).toBe(CloseCode.TARGET_UNREACHABLE)
    expect(classifyTargetError(errno('EBADF'), udp, 'stream').closeReason).toBe(
      'UDP connection to game.example:7000 failed (EBADF).',
    )
    expect(connectTimeoutFailure(udp, 100).closeReason).toBe(
      'UDP target game.example:7000 did not answer within 100 ms.',
    )
    // A TCP target never gets the UDP codes, nor the reverse.
    expect(
      classifyTargetError(errno('EMSGSIZE'), target, 'stream').closeCode,
    ).toBe(CloseCode.TARGET_ERROR)
    expect(
      classifyTargetError(errno('ECONNRESET'), udp, 'stream').closeCode,
    ).toBe(CloseCode.TARGET_ERROR)
  })

  it('closes an oversized datagram with 1009, naming the limit and the flag', () => {
    const failure = datagramTooBigFailure(1201, 1200, '--max-datagram-size')
    expect(failure.closeCode).toBe(CloseCode.MESSAGE_TOO_BIG)
    expect(failure.error.code).toBe('RELAY_DATAGRAM_TOO_BIG')
    expect(failure.closeReason).toBe(
      'Message of 1201 bytes is over the UDP datagram limit of 1200 bytes (--max-datagram-size).',
    )
    expect(Buffer.byteLength(failure.closeReason)).toBeLessThanOrEqual(
      MAX_CLOSE_REASON_BYTES,
    )
  })
})
