/** The path where a relay lists what it offers (unless the operator hides it). */
export const ROUTES_PATH = '/routes'

/**
 * What `GET /routes` answers: the route names (never their addresses),
 * whether the URL path's default target exists, and whether `wsrelay.v1`
 * clients may choose a target themselves.
 */
export interface RelayOffer {
  readonly routes: readonly string[]
  readonly defaultTarget: boolean
  readonly clientChosenTargets: boolean
}
