import { setTimeout as sleep } from 'node:timers/promises';
import type { EntryScope, MemoStore, StoredEntry } from '../../../lib/stores/memo-store.interface.js';
import type { Random } from './random.js';
import { stallEventLoop } from './stall.js';

/** What a fault wrapper injects, each a chance per store call. */
export interface FaultPlan {
  /** The store calls the plan applies to; all by default. */
  only?: readonly StoreCall[];
  /** The call fails before it reaches the store (a refused connection). */
  throwBefore?: number;
  /** The call reaches the store, then fails (the reply was lost, or came after the caller gave up). */
  throwAfter?: number;
  /** The call is slow: it reaches the store after a random delay within `delayMs`. */
  delay?: number;
  delayMs?: readonly [number, number];
  /** The call is sent, then this process's event loop blocks for `stallMs` while the answer is on its way. */
  stall?: number;
  stallMs?: readonly [number, number];
  /** The call reaches the store at once; its answer takes `answerMs` to come back (a slow way back). */
  lateAnswer?: number;
  answerMs?: number;
}

/** An error the fault wrapper made up; never the store's own. */
export class InjectedFault extends Error {
  constructor(what: string) {
    super(`injected fault: ${what}`);
    this.name = 'InjectedFault';
  }
}

export type StoreCall = 'get' | 'stamp' | 'set' | 'delete' | 'invalidate';

/**
 * A store decorator around a real store (never a mock): every call goes to the store it
 * wraps, unless the plan makes it fail first; some are delayed, some fail after they took
 * effect. Without a fault, a call is passed through as it is, synchronous answers included,
 * so a memory alias keeps its synchronous hit path.
 */
export class FaultyStore implements MemoStore {
  plan: FaultPlan = {};
  /** How many calls of each kind the store (or a fault) has answered, so a test can wait for one. */
  readonly answered: Record<StoreCall, number> = { get: 0, stamp: 0, set: 0, delete: 0, invalidate: 0 };
  /** How many calls of each kind reached the store (or its wrapper below), answered or not. */
  readonly sent: Record<StoreCall, number> = { get: 0, stamp: 0, set: 0, delete: 0, invalidate: 0 };
  /** How many calls of each kind got a fault. */
  readonly injected: Record<StoreCall, number> = { get: 0, stamp: 0, set: 0, delete: 0, invalidate: 0 };

  /** The two-tier store's own hooks, passed on so the memoizer uses them through the wrapper too. */
  readonly joinEpoch?: () => number;
  readonly adopted?: (key: string, created: number) => Promise<void>;

  constructor(
    readonly inner: MemoStore,
    private readonly random: Random,
  ) {
    if (inner.joinEpoch !== undefined) this.joinEpoch = () => inner.joinEpoch!();
    if (inner.adopted !== undefined) this.adopted = (key, created) => inner.adopted!(key, created);
  }

  get alias(): string {
    return this.inner.alias;
  }

  get locks() {
    return this.inner.locks;
  }

  get(key: string, scope: EntryScope, now?: number) {
    return this.through('get', () => this.inner.get(key, scope, now));
  }

  stamp(exact?: boolean) {
    return this.through('stamp', () => this.inner.stamp(exact));
  }

  set(key: string, entry: StoredEntry, scope: EntryScope, replaces?: boolean) {
    return this.through('set', () => this.inner.set(key, entry, scope, replaces));
  }

  delete(key: string) {
    return this.through('delete', () => this.inner.delete(key));
  }

  invalidate(marks: readonly string[]) {
    return this.through('invalidate', () => this.inner.invalidate(marks));
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  private through<T>(call: StoreCall, send: () => T | Promise<T>): T | Promise<T> {
    const run = () => {
      this.sent[call]++;
      return send();
    };
    const result = this.inject(call, run);
    if (result instanceof Promise) {
      const count = () => void this.answered[call]++;
      result.then(count, count);
    } else this.answered[call]++;
    return result;
  }

  private inject<T>(call: StoreCall, run: () => T | Promise<T>): T | Promise<T> {
    if (this.plan.only !== undefined && !this.plan.only.includes(call)) return run();
    const { throwBefore = 0, throwAfter = 0, delay = 0, delayMs = [1, 20], stall = 0, stallMs = [50, 300] } = this.plan;
    const { lateAnswer = 0, answerMs = 200 } = this.plan;
    if (this.random.chance(throwBefore)) {
      this.injected[call]++;
      return Promise.reject(new InjectedFault(`${call} refused`));
    }
    if (this.random.chance(stall)) {
      this.injected[call]++;
      const result = run();
      stallEventLoop(this.random.int(stallMs[0], stallMs[1]));
      return result;
    }
    if (this.random.chance(lateAnswer)) {
      this.injected[call]++;
      const result = run();
      return (async () => {
        const answer = await result;
        await sleep(answerMs);
        return answer;
      })();
    }
    const slow = this.random.chance(delay);
    const lost = this.random.chance(throwAfter);
    if (!slow && !lost) return run();
    this.injected[call]++;
    const wait = slow ? this.random.int(delayMs[0], delayMs[1]) : 0;
    return (async () => {
      if (wait > 0) await sleep(wait);
      const result = await run();
      if (lost) throw new InjectedFault(`${call} answer lost`);
      return result;
    })();
  }
}

/** The store under any wrappers. */
export function innermost(store: MemoStore): MemoStore {
  return store instanceof FaultyStore ? innermost(store.inner) : store;
}
