/** An application the trampoline can ask to wire its instances (see CacheMemoizeExplorer). */
export interface WirableApplication {
  /** Wires every provider and controller; throws a configuration error. */
  wireNow(): void;
  /** Wires the providers and controllers it gained since (a module loaded through LazyModuleLoader). */
  wireLate(): void;
  /** Whether `instance` is one of its singleton providers or controllers. */
  owns(instance: object): boolean;
}

/**
 * Most Nest unit tests call `Test.createTestingModule(...).compile()` and never `init()`, so
 * `onModuleInit` never wires them. Their explorers wait here, and the first call that finds
 * no memoizer wires them; once an application is wired it leaves this set.
 */
const pending = new Set<WirableApplication>();
/**
 * Applications whose wiring failed (a configuration error), with their error: every call on
 * one of their unwired instances gets it, never a call on another application's instance or
 * on an instance Nest did not make.
 */
const failed = new Map<WirableApplication, unknown>();
/** Wired applications still alive: a module they load later brings providers to wire. */
const live = new Set<WirableApplication>();
/** Instances already looked for in the live applications: a plain `new` instance costs one look. */
const looked = new WeakSet<object>();

/** Where the trampoline finds the application of an instance that has no memoizer yet. */
export const applicationWiring = {
  pending(application: WirableApplication): void {
    pending.add(application);
  },
  wired(application: WirableApplication): void {
    pending.delete(application);
    live.add(application);
  },
  /** Its wiring failed (the error was raised once), or it closed: it waits for nothing more. */
  settled(application: WirableApplication): void {
    pending.delete(application);
    live.delete(application);
    failed.delete(application);
  },

  /** Whether a call on `instance`, which found no memoizer, may find one after wireFor. */
  mayWire(instance: object): boolean {
    return pending.size !== 0 || failed.size !== 0 || (live.size !== 0 && !looked.has(instance));
  },

  /**
   * Wires the compiled applications, and once per instance asks the live ones for providers
   * gained since. Returns the configuration error of the application that owns `instance`,
   * if its wiring failed.
   */
  wireFor(instance: object): unknown {
    for (const application of [...pending]) attempt(application, () => application.wireNow());
    if (live.size !== 0 && !looked.has(instance)) {
      looked.add(instance);
      for (const application of [...live]) attempt(application, () => application.wireLate());
    }
    for (const [application, error] of failed) if (application.owns(instance)) return error;
    return undefined;
  },
};

function attempt(application: WirableApplication, wire: () => void): void {
  try {
    wire();
  } catch (error) {
    failed.set(application, error);
  }
}
