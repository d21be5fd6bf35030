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
  events: TargetEvents,
  settings: DatagramLinkSettings,
): TargetLink {
  return target.transport === 'udp'
    ? openDatagramLink(target, events, settings)
    : openTargetLink(target, events)
}
