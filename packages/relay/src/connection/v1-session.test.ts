import { describe, expect, it } from 'vitest'
import { Valve } from './pauses.js'
import { V1Session } from './v1-session.js'

describe('V1Session', () => {
  it('takes open first and once, then pings, data and one end', () => {
    const session = new V1Session()
    expect(session.checkData()).toBe('Data before open.')
    expect(session.onControl('{"type":"ping","id":1,"ts":2}')).toEqual({
      kind: 'violation',
      reason: 'ping before open.',
    })
    expect(session.onControl('{"type":"open","route":"echo"}')).toEqual({
      kind: 'open',
      open: { type: 'open', route: 'echo' },
    })
    expect(session.onControl('{"type":"open"}')).toEqual({
      kind: 'violation',
      reason: 'open sent twice.',
    })
    expect(session.checkData()).toBeUndefined()
    expect(session.onControl('{"type":"ping","id":1,"ts":2}')).toEqual({
      kind: 'pong',
      ping: { type: 'ping', id: 1, ts: 2 },
    })
    expect(session.onControl('{"type":"end"}')).toEqual({
      kind: 'end',
      isBothEnded: false,
    })
    expect(session.checkData()).toBe('Data after end.')
    expect(session.onControl('{"type":"end"}')).toEqual({
      kind: 'violation',
      reason: 'end sent twice.',
    })
    expect(session.onTargetEnd()).toBe(true)
  })

  it('says both ended when the target ended first', () => {
    const session = new V1Session()
    session.onControl('{"type":"open"}')
    expect(session.onTargetEnd()).toBe(false)
    expect(session.onControl('{"type":"end"}')).toEqual({
      kind: 'end',
      isBothEnded: true,
    })
  })

  it('passes on what the parser says is wrong', () => {
    expect(new V1Session().onControl('{"type":"shout"}')).toMatchObject({
      kind: 'violation',
    })
  })
})

describe('Valve', () => {
  it('pauses at the first reason and resumes when the last is lifted', () => {
    const calls: string[] = []
    const valve = new Valve(
      (reason) => calls.push(`pause ${reason}`),
      () => calls.push('resume'),
    )
    valve.pause('peer')
    valve.pause('budget')
    valve.resume('peer')
    expect(valve.isPaused).toBe(true)
    valve.resume('early') // not held: nothing changes
    valve.resume('budget')
    expect(valve.isPaused).toBe(false)
    expect(calls).toEqual(['pause peer', 'resume'])
  })
})
