/** An application the trampoline can ask to wire its instances (see CacheMemoizeExplorer). */
export interface WirableApplication {
  /** Wires every provider and controller; throws a configuration error (raised once). */
  wireNow(): void;
  /**
   * Wires the providers and controllers it gained since (a module loaded through
   * LazyModuleLoader); false while some are still being made. A provider with a configuration
   * mistake is left unwired, its error kept for it (see failureOf); the others are wired.
   */
  wireLate(): boolean;
  /** The configuration error that concerns `instance`: its own, or its application's. */
  failureOf(instance: object): unknown;
}

/**
 * Most Nest unit tests call `Test.createTestingModule(...).compile()` and never `init()`, so
 * `onModuleInit` never wires them. Their explorers wait here, and the first call that finds
 * no memoizer wires them; once an application is wired it leaves this set.
 */
const pending = new Set<WirableApplication>();
/** Applications whose wiring failed: their instances get the error, never anyone else's. */
const failed = new Set<WirableApplication>();
/** Wired applications still alive: a module they load later brings providers to wire. */
const live = new Set<WirableApplication>();
/**
 * What a call that found no memoizer learnt about its instance once everything was wired:
 * Nest did not make it (a plain `new`), or the error its application's wiring raised. Later
 * calls on it read this instead of looking again.
 */
const verdicts = new WeakMap<object, { error?: unknown }>();

/** Where the trampoline finds the application of an instance that has no memoizer yet. */
export const applicationWiring = {
  pending(application: WirableApplication): void {
    pending.add(application);
  },
  wired(application: WirableApplication): void {
    pending.delete(application);
    live.add(application);
  },
  failed(application: WirableApplication): void {
    pending.delete(application);
    failed.add(application);
  },
  closed(application: WirableApplication): void {
    pending.delete(application);
    live.delete(application);
    failed.delete(application);
  },

  /** Whether any application could still wire an instance that has no memoizer. */
  get active(): boolean {
    return pending.size !== 0 || live.size !== 0 || failed.size !== 0;
  },

  /**
   * For a call on `instance` that found no memoizer: wires the compiled applications and
   * what the live ones gained since, and gives the configuration error that concerns
   * `instance`, if any.
   */
  wireFor(instance: object): unknown {
    const verdict = verdicts.get(instance);
    if (verdict !== undefined && pending.size === 0) return verdict.error;
    for (const application of [...pending]) {
      try {
        application.wireNow();
      } catch {
        // Its explorer reported itself failed: the error is its instances', below.
      }
    }
    let complete = true;
    for (const application of live) complete = application.wireLate() && complete;
    let error: unknown;
    for (const application of [...failed, ...live]) {
      error = application.failureOf(instance);
      if (error !== undefined) break;
    }
    // An instance still being made (its constructor calls the method) is looked at again.
    if (complete) verdicts.set(instance, { error });
    return error;
  },
};
