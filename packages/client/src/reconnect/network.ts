/** Whether the device is online, and news when that changes. */
export interface NetworkMonitor {
  readonly isOnline: boolean
  /** Calls `listener` on every change; returns a function that unsubscribes. */
  subscribe(listener: (isOnline: boolean) => void): () => void
}

interface BrowserLikeGlobal {
  navigator?: { onLine?: boolean }
  addEventListener?: (type: string, listener: () => void) => void
  removeEventListener?: (type: string, listener: () => void) => void
}

/**
 * The browser's view: `navigator.onLine` and the window's `online`/`offline`
 * events. Where there is none (Node), always online.
 */
export function browserNetwork(
  scope: BrowserLikeGlobal = globalScope(),
): NetworkMonitor {
  return {
    get isOnline() {
      return scope.navigator?.onLine !== false
    },
    subscribe(listener) {
      const { addEventListener: add, removeEventListener: remove } = scope
      if (!add || !remove) return () => undefined
      const online = () => listener(true)
      const offline = () => listener(false)
      add.call(scope, 'online', online)
      add.call(scope, 'offline', offline)
      return () => {
        remove.call(scope, 'online', online)
        remove.call(scope, 'offline', offline)
      }
    },
  }
}

/** globalThis, typed so it compiles with and without the DOM lib (Node builds). */
function globalScope(): BrowserLikeGlobal {
  const scope: object = globalThis
  return scope
}
