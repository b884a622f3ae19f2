import { Messages } from '../cache-memoize.messages.js';
import { ResultKind } from '../stores/memo-store.interface.js';
import { EntryEncodeError } from '../serialization/entry-codec.js';
import { asStoreError, CacheConfigError } from '../errors.js';
import { DistributedExecution } from './distributed-execution.js';
import { buildEntry } from './entry-builder.js';
import type { MethodConfig, RunReason } from './method-config.js';
import type { MethodTelemetry } from './method-telemetry.js';
import type { Outcome } from './outcome.js';
import { runOriginal } from './run-original.js';

/** Runs the method (or, for a controller, its handler pipeline) and settles the result; told why it runs. */
export type Compute = (reason: RunReason) => Promise<Outcome>;

/**
 * The executions of one memoized method: each runs the method once, stores its result,
 * and is shared by every concurrent caller with the same key (`lock: 'process'`), and with
 * `lock: 'distributed'` by every process on the alias (see distributed-execution.ts).
 */
export class MethodExecutions {
  /** Whether the method hands out Observables; learned from its results when metadata did not say. */
  observable: boolean;
  private readonly flights = new Map<string, Promise<Outcome>>();
  /** Set for `lock: 'distributed'`: executions then also take turns with other processes. */
  private readonly distributed: DistributedExecution | undefined;

  constructor(
    private readonly config: MethodConfig,
    private readonly original: Function,
    private readonly telemetry: MethodTelemetry,
  ) {
    this.observable = config.returnMode === 'observable';
    const locks = config.lock === 'distributed' ? config.store.locks : undefined;
    this.distributed = locks && new DistributedExecution(config, locks, telemetry);
  }

  /**
   * The execution running for `key`, or a new one that later callers will join. A caller
   * that joined a running execution whose result the store then refused (an invalidation,
   * possibly in another process, overtook it) does not take that result: it may have
   * started after the invalidation resolved, so it joins (or starts) an execution that
   * began after it did.
   */
  join(instance: object, args: unknown[], key: string, compute: Compute | undefined): Promise<Outcome> {
    if (this.config.lock === false) return this.execute(instance, args, key, compute, 'miss');
    const running = this.flights.get(key);
    if (running === undefined) return this.track(key, this.execute(instance, args, key, compute, 'miss'));
    return running.then((outcome) =>
      outcome.refused
        ? (this.flights.get(key) ?? this.track(key, this.execute(instance, args, key, compute, 'miss')))
        : outcome,
    );
  }

  /** A new execution, for a refresh, that callers arriving meanwhile join. */
  start(
    instance: object,
    args: unknown[],
    key: string,
    compute: Compute | undefined,
    reason: 'refresh' | 'due',
  ): Promise<Outcome> {
    return this.track(key, this.execute(instance, args, key, compute, reason));
  }

  /** Callers arriving from now on start a new execution; the running one can no longer store its result. */
  forget(key: string): void {
    this.flights.delete(key);
  }

  /** After a tag, prefix or alias invalidation: no caller arriving from now on joins a running execution. */
  forgetAll(): void {
    this.flights.clear();
  }

  isRunning(key: string): boolean {
    return this.flights.has(key);
  }

  /** `compute`, or by default the decorated method itself (no closure on the hit path); nothing stored. */
  run(instance: object, args: unknown[], compute: Compute | undefined, reason: RunReason = 'miss'): Promise<Outcome> {
    return compute === undefined ? runOriginal(this.original, instance, args, this.config.owner) : compute(reason);
  }

  private track(key: string, flight: Promise<Outcome>): Promise<Outcome> {
    this.flights.set(key, flight);
    const land = () => {
      if (this.flights.get(key) === flight) this.flights.delete(key);
    };
    flight.then(land, land);
    return flight;
  }

  private async execute(
    instance: object,
    args: unknown[],
    key: string,
    compute: Compute | undefined,
    reason: RunReason,
  ): Promise<Outcome> {
    const stamp = await this.stamp(key, reason === 'refresh');
    // Without a stamp the store is failing: the lock would fail too, so the method just runs.
    const outcome =
      this.distributed !== undefined && stamp !== undefined
        ? await this.distributed.run(key, reason, stamp, () =>
            this.runAndSave(instance, args, key, compute, reason, stamp),
          )
        : await this.runAndSave(instance, args, key, compute, reason, stamp);
    if (outcome.kind !== ResultKind.Value) this.observable = true;
    return outcome;
  }

  private async runAndSave(
    instance: object,
    args: unknown[],
    key: string,
    compute: Compute | undefined,
    reason: RunReason,
    stamp: number | undefined,
  ): Promise<Outcome> {
    const started = performance.now();
    let outcome: Outcome;
    try {
      outcome = await this.run(instance, args, compute, reason);
    } catch (error) {
      this.telemetry.stats.errors++;
      throw error;
    }
    const durationMs = performance.now() - started;
    this.telemetry.stats.recordRecompute(durationMs);
    if (reason !== 'miss') this.telemetry.emit('refresh', key, undefined, durationMs);
    if (stamp === undefined) return outcome;
    return (await this.save(instance, args, key, outcome, stamp, reason)) ? outcome : { ...outcome, refused: true };
  }

  /**
   * Stores the result; false when the store refused it (see Outcome.refused). A store
   * failure, a value the codec cannot encode or a bad ttl/tags answer (the method's
   * CacheConfigError) is reported, not thrown, except for a refresh, which must not resolve
   * unless its value took effect.
   */
  private async save(
    instance: object,
    args: unknown[],
    key: string,
    outcome: Outcome,
    stamp: number,
    reason: RunReason,
  ): Promise<boolean> {
    try {
      const context = () => this.telemetry.context(instance, args, key, outcome.value);
      const entry = buildEntry(this.config, outcome, stamp, context);
      return entry === undefined || (await this.config.store.set(key, entry, this.config.scope));
    } catch (error) {
      if (error instanceof EntryEncodeError) this.telemetry.notEncodable(error, key);
      else if (reason === 'refresh')
        throw error instanceof CacheConfigError
          ? error
          : asStoreError(error, Messages.refreshNotStored(this.config.owner, this.config.alias));
      else if (error instanceof CacheConfigError) this.telemetry.misconfigured(error, key);
      else this.telemetry.storeError(error, key, Messages.notStored(this.config.owner, this.config.alias));
      return true;
    }
  }

  /**
   * Taken before the method runs, so an invalidation during the run voids its result. A
   * refresh takes an exact one (after every stamp and mark set before it), so no entry
   * computed before it was asked for can refuse its result, and it fails without one.
   */
  private async stamp(key: string, exact: boolean): Promise<number | undefined> {
    try {
      return await this.config.store.stamp(exact);
    } catch (error) {
      if (exact) throw asStoreError(error, Messages.refreshNotStored(this.config.owner, this.config.alias));
      this.telemetry.storeError(error, key, Messages.storeFailed(this.config.owner, this.config.alias));
      return undefined;
    }
  }
}
