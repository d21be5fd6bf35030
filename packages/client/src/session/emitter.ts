/** A tiny typed event emitter: `on` returns a function that unsubscribes. */
export class Emitter<Events extends object> {
  private readonly listeners = new Map<
    keyof Events,
    Set<(event: never) => void>
  >()

  on<K extends keyof Events>(
    type: K,
    listener: (event: Events[K]) => void,
  ): () => void {
    let set = this.listeners.get(type)
    if (!set) this.listeners.set(type, (set = new Set()))
    set.add(listener)
    return () => set.delete(listener)
  }

  emit<K extends keyof Events>(type: K, event: Events[K]): void {
    for (const listener of this.listeners.get(type) ?? []) {
      ;(listener as (event: Events[K]) => void)(event)
    }
  }
}
