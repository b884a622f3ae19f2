import * as realTime from './real-time.js';

/** Raised when a store call takes longer than `storeTimeout`. */
class StoreTimeoutError extends Error {
  constructor(readonly timeoutMs: number) {
    super(`the store did not answer within ${timeoutMs}ms`);
    this.name = 'StoreTimeoutError';
  }
}

/**
 * Settles like `promise`, or with what `onTimeout` returns (or throws) once `ms` have passed,
 * on the global timers: for a method's own timeouts, which a test may move with fake timers.
 */
export function settleWithin<T, U>(promise: Promise<T>, ms: number, onTimeout: () => U): Promise<T | U> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<U>((resolve, reject) => {
    timer = setTimeout(() => {
      try {
        resolve(onTimeout());
      } catch (error) {
        reject(error);
      }
    }, ms);
    timer.unref?.();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * `promise`, or a StoreTimeoutError once `ms` have passed. Every store call goes through
 * this, hits included, so it costs one Promise and one timer and no race or finally.
 *
 * When the timer fires, the rejection waits for two more turns of the event loop, so a
 * reply that arrived while the loop was blocked (a stalled process: timers run before I/O
 * in a turn) is read first: a command the store carried out in time is not reported as
 * failed (an invalidation that took effect, a lock that was taken) because this process
 * could not look.
 */
export function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const fail = () => reject(new StoreTimeoutError(ms));
    // On real time, as a store answers in it (see real-time.ts).
    const timer = realTime.setTimeout(() => realTime.setImmediate(() => realTime.setImmediate(fail)), ms);
    promise.then(
      (value) => {
        realTime.clearTimeout(timer);
        resolve(value);
      },
      (error) => {
        realTime.clearTimeout(timer);
        reject(error);
      },
    );
  });
}
