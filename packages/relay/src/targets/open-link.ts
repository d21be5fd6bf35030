import type { LookupFunction } from 'node:net'
import { openDatagramLink, type DatagramLinkSettings } from './datagram-link.js'
import {
  openTargetLink,
  type TargetEvents,
  type TargetLink,
} from './target-link.js'
import type { ChosenTarget } from './target-selection.js'

/**
 * Opens the link the target's transport needs: a TCP connection, or a
 * connected UDP socket. The connection talks to either through the same
 * face.
 */
export function openLink(
  target: ChosenTarget,
  /** Resolves the operator's names (cached); client-chosen targets come as checked addresses. */
  lookup: LookupFunction,
  events: TargetEvents,
  settings: DatagramLinkSettings,
): TargetLink {
  return target.transport === 'udp'
    ? openDatagramLink(target, lookup, events, settings)
    : openTargetLink(target, lookup, events)
}
