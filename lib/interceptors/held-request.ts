import { AsyncLocalStorage } from 'node:async_hooks';
import { lastValueFrom, type Observable, type Subscription } from 'rxjs';
import type { MemoizeBinding, MemoizedCall } from '../decorators/trampoline.js';

/** The controller a handler is called on and its arguments, as Nest's pipes produced them. */
export interface HandlerCall {
  instance: object;
  args: unknown[];
}

const holding = new AsyncLocalStorage<HeldRequest>();
const holds = new WeakMap<MemoizeBinding, MemoizedCall>();

/**
 * A request to a handler with a `key` option. Its key is made of the handler's arguments,
 * which Nest resolves (running its pipes) only inside the pipeline the interceptor wraps.
 * So the pipeline is started and held at the handler until the key is known; then it is
 * released (this request computes the response) or dropped (the response comes from the
 * cache or from another request), so inner interceptors never process a cached body again.
 */
export class HeldRequest {
  /** Where the pipeline reached the handler; `undefined` when it ended without calling it. */
  readonly arrival: Promise<HandlerCall | undefined>;
  private readonly body: Promise<unknown>;
  private subscription?: Subscription;
  private call?: HandlerCall;
  private release?: (result: unknown) => void;
  private readonly arrived: (call: HandlerCall | undefined) => void;

  constructor(
    readonly binding: MemoizeBinding,
    private readonly pipeline: () => Observable<unknown>,
  ) {
    let arrive!: (call: HandlerCall | undefined) => void;
    let fail!: (error: unknown) => void;
    this.arrival = new Promise((resolve, reject) => ((arrive = resolve), (fail = reject)));
    this.body = new Promise((resolve, reject) => {
      let last: unknown;
      holding.run(this, () => {
        this.subscription = pipeline().subscribe({
          next: (value) => (last = value),
          error: reject,
          complete: () => resolve(last),
        });
      });
    });
    // A pipe or guard that throws, or an inner interceptor that answers itself, ends the pipeline first.
    this.body.then(() => arrive(undefined), fail);
    this.arrived = arrive;
  }

  /** Waiting at the handler: what the trampoline calls instead of the handler itself. */
  hold(call: HandlerCall): Promise<unknown> {
    this.call = call;
    const held = new Promise<unknown>((resolve) => (this.release = resolve));
    this.arrived(call);
    return held;
  }

  /**
   * Runs the handler and the rest of the pipeline, to its final body: the held one the first
   * time, a new one after (a background refresh, when this request was answered long ago).
   */
  proceed(): Promise<unknown> {
    // The pipeline ended without calling the handler: its own answer stands.
    if (this.call === undefined) return this.body;
    const release = this.release;
    if (release === undefined) return lastValueFrom(this.pipeline(), { defaultValue: undefined });
    this.release = undefined;
    const { instance, args } = this.call;
    try {
      release(this.binding.original.apply(instance, args));
    } catch (error) {
      release(Promise.reject(error));
    }
    return this.body;
  }

  /** Drops the held pipeline: the handler never runs for this request. */
  drop(): void {
    // Released already: its run is the execution other requests share, and it must settle.
    if (this.call !== undefined && this.release === undefined) return;
    this.release = undefined;
    this.subscription?.unsubscribe();
  }

  /** Whether this request is still on its way to the handler of `binding`. */
  private awaits(binding: MemoizeBinding): boolean {
    return this.binding === binding && this.call === undefined;
  }

  /**
   * What the trampoline of a keyed controller handler calls: the held request on its way to
   * it, if any; the handler itself otherwise (a call from code, a background refresh).
   */
  static holdFor(binding: MemoizeBinding): MemoizedCall {
    let hold = holds.get(binding);
    if (hold === undefined) {
      hold = {
        invoke(instance: object, args: unknown[]): unknown {
          const held = holding.getStore();
          return held?.awaits(binding) ? held.hold({ instance, args }) : binding.original.apply(instance, args);
        },
      };
      holds.set(binding, hold);
    }
    return hold;
  }
}
