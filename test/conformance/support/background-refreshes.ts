import type { INestApplication } from '@nestjs/common';
import { MemoizedMethodRegistry } from '../../../lib/memoizer/memoized-method.registry.js';
import type { Outcome } from '../../../lib/memoizer/outcome.js';
import type { Reading } from './model.js';
import { Inventory } from './services.js';

/** The part of MethodExecutions reached here: how a refresh, or a `refreshAfter` recompute (`due`), starts. */
interface Executions {
  start(instance: object, args: unknown[], key: string, compute: unknown, reason: 'refresh' | 'due'): Promise<Outcome>;
}

/**
 * Tells `landed` of each `refreshAfter` recompute of Inventory.stock in the background once it
 * has landed (its result stored, or the entry dropped), with what it read. No public API says
 * when that happens, so this wraps the method's executions in `app`, as a planted bug wraps a
 * store: nothing in lib/ knows about it.
 */
export function watchBackgroundRefreshes(app: INestApplication, landed: (reading: Reading) => void): void {
  const { memoized } = app.get(MemoizedMethodRegistry).find(Inventory, 'stock');
  const executions = (memoized as unknown as { executions: Executions }).executions;
  const start = executions.start.bind(executions);
  executions.start = (instance, args, key, compute, reason) => {
    const flight = start(instance, args, key, compute, reason);
    // Called after the execution's own bookkeeping: from here on, no caller can join it.
    if (reason === 'due')
      flight.then(
        (outcome) => landed(outcome.value as Reading),
        () => undefined,
      );
    return flight;
  };
}
