import { describe, expect, it } from 'vitest'
import { commandsOf, matchesOutput, runElsewhere } from './shell-runner.js'

describe('the shell runner', () => {
  it('matches output line by line, with ... for any lines and … for any text', () => {
    expect(matchesOutput('a\nb', 'a\nb\n')).toBe(true)
    expect(matchesOutput('a\nb', 'a\nc\n')).toBe(false)
    expect(matchesOutput('a\n...\nd', 'a\nb\nc\nd\n')).toBe(true)
    expect(matchesOutput('a\n...', 'a\n')).toBe(true)
    expect(
      matchesOutput('close 4104 … token.', 'close 4104 no (x) token.'),
    ).toBe(true)
    expect(matchesOutput('close 4104 … token.', 'close 4104 no token!')).toBe(
      false,
    )
    expect(matchesOutput('a.b', 'axb')).toBe(false)
    expect(matchesOutput('key   value', 'key     value')).toBe(true)
  })

  it('runs every command except the ones CI runs elsewhere, and says where', () => {
    expect(runElsewhere('pnpm install && pnpm dev')).toContain('.ci/run')
    expect(runElsewhere('pnpm install && make -C x')).toBeUndefined()
    expect(runElsewhere('pnpm build  # first')).toContain('pnpm test')
    expect(runElsewhere('pnpm builder')).toBeUndefined()
    expect(runElsewhere('node x.js')).toBeUndefined()
  })

  it('drops comments and joins continued lines', () => {
    expect(commandsOf('# start\na \\\n  --b\n\nc &\n')).toEqual([
      'a --b',
      'c &',
    ])
  })
})
