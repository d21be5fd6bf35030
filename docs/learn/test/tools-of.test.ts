import { describe, expect, it } from 'vitest'
import { toolsOf } from './walkthrough.js'

describe('toolsOf', () => {
  it("reads a chapter's outside programs from the commands it runs", () => {
    expect(toolsOf('chapter', ['01-why-a-relay.md'])).toEqual([])
    // make and cmake build the C++ server with g++.
    expect(toolsOf('chapter', ['08-your-own-server.md'])).toEqual([
      'cmake',
      'g++',
      'make',
    ])
    // Runs chapter 8's server, which make builds.
    expect(toolsOf('chapter', ['09-safe-by-default.md'])).toEqual([
      'curl',
      'g++',
      'make',
    ])
    expect(toolsOf('chapter', ['10-deploy.md'])).toEqual(['curl'])
  })

  it('gives the whole text in order every program of every chapter', () => {
    expect(toolsOf('in-order')).toEqual(['cmake', 'curl', 'g++', 'make'])
  })
})
