import { describe, expect, it } from 'vitest'
import {
  firstChoice,
  openTargetOf,
  routesUrlOf,
  transportOfChoice,
} from './relay-targets.js'

describe('relay targets', () => {
  it("finds /routes on the relay's own host", () => {
    expect(routesUrlOf('ws://localhost:5173/relay')).toBe(
      'http://localhost:5173/routes',
    )
    expect(routesUrlOf('wss://relay.example/relay?x=1')).toBe(
      'https://relay.example/routes',
    )
    expect(routesUrlOf('not a url')).toBeUndefined()
  })

  it('connects on load to the default target, else the first route, else a custom one', () => {
    expect(
      firstChoice({
        routes: ['echo'],
        defaultTarget: true,
        clientChosenTargets: false,
      }),
    ).toBe('default')
    expect(
      firstChoice({
        routes: ['echo', 'vnc'],
        defaultTarget: false,
        clientChosenTargets: true,
      }),
    ).toBe('route:echo')
    expect(
      firstChoice({
        routes: [],
        defaultTarget: false,
        clientChosenTargets: true,
      }),
    ).toBe('custom')
  })

  it('turns the picker into an open target, or says what is wrong', () => {
    expect(openTargetOf('default', '', '')).toBeUndefined()
    expect(openTargetOf('route:echo', '', '')).toEqual({ route: 'echo' })
    expect(openTargetOf('custom', ' game.example ', '7000')).toEqual({
      host: 'game.example',
      port: 7000,
    })
    expect(openTargetOf('custom', 'h', '70000')).toEqual(
      new Error('Port "70000" is not a number from 1 to 65535.'),
    )
    expect(openTargetOf('custom', '', '1')).toEqual(
      new Error('Type a host to connect to.'),
    )
  })

  it('asks for UDP where the relay lists a UDP target, so it never gets a stream instead', () => {
    const offer = {
      routes: ['game', 'echo'],
      transports: { game: 'udp', echo: 'tcp' },
      defaultTarget: true,
      defaultTransport: 'udp',
      clientChosenTargets: true,
      clientChosenTransports: ['tcp', 'udp'],
    } as const
    expect(transportOfChoice(offer, 'route:game')).toBe('udp')
    expect(transportOfChoice(offer, 'route:echo')).toBe('tcp')
    expect(transportOfChoice(offer, 'default')).toBe('udp')
    // A relay from before datagram targets lists no transports: TCP.
    expect(
      transportOfChoice(
        { routes: ['vnc'], defaultTarget: true, clientChosenTargets: false },
        'route:vnc',
      ),
    ).toBe('tcp')
    expect(openTargetOf('route:game', '', '', 'udp')).toEqual({
      route: 'game',
      transport: 'udp',
    })
    expect(openTargetOf('default', '', '', 'udp')).toEqual({
      transport: 'udp',
    })
    expect(openTargetOf('custom', 'game.example', '27015', 'udp')).toEqual({
      host: 'game.example',
      port: 27015,
      transport: 'udp',
    })
  })
})
