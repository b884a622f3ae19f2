import { ResultKind } from '../stores/memo-store.interface.js';
import { DistributedExecution } from './distributed-execution.js';
import { ResultStore } from './result-store.js';
import type { MethodConfig, RunReason } from './method-config.js';
import type { MethodTelemetry } from './method-telemetry.js';
import type { Outcome } from './outcome.js';
import { runOriginal } from './run-original.js';

/** Runs the method (or, for a controller, its handler pipeline) and settles the result; told why it runs. */
export type Compute = (reason: RunReason) => Promise<Outcome>;

/**
 * A running execution. Callers join it until its result is sent to the store (it is then
 * sealed): the store checks the result against every invalidation that reached it by then,
 * so the result is good for the callers that arrived before, and for no one later (see join).
 */
class Flight {
  sealed = false;
  promise!: Promise<Outcome>;
  readonly seal = () => {
    this.sealed = true;
  };

  /** `epoch`: the store's joinEpoch when it began (see MemoStore.joinEpoch). */
  constructor(readonly epoch: number | undefined) {}
}

/**
 * The executions of one memoized method: each runs the method once, stores its result,
 * and is shared by every concurrent caller with the same key (`lock: 'process'`), and with
 * `lock: 'distributed'` by every process on the alias (see distributed-execution.ts).
 */
export class MethodExecutions {
  /** Whether the method hands out Observables; learned from its results when metadata did not say. */
  observable: boolean;
  private readonly flights = new Map<string, Flight>();
  /** Set for `lock: 'distributed'`: executions then also take turns with other processes. */
  private readonly distributed: DistributedExecution | undefined;
  private readonly results: ResultStore;

  constructor(
    private readonly config: MethodConfig,
    private readonly original: Function,
    private readonly telemetry: MethodTelemetry,
  ) {
    this.observable = config.returnMode === 'observable';
    const locks = config.lock === 'distributed' ? config.store.locks : undefined;
    this.distributed = locks && new DistributedExecution(config, locks, telemetry);
    this.results = new ResultStore(config, telemetry);
  }

  /**
   * The execution running for `key`, or a new one that later callers will join. Only a
   * result the store checked after the caller arrived is good for it, whatever process an
   * invalidation came from. So a caller reads the store again once the execution lands (see
   * readAgain) when the store refused its result (an invalidation, or a later computation,
   * overtook it), or when the caller arrived once that result was on its way to the store
   * (the store may have checked it already, before an invalidation another process has
   * since finished).
   */
  join(instance: object, args: unknown[], key: string, compute: Compute | undefined): Promise<Outcome> {
    if (this.config.lock === false) return this.execute(instance, args, key, compute, 'miss');
    const running = this.flights.get(key);
    if (running === undefined || !this.joinable(running)) return this.launch(instance, args, key, compute, 'miss');
    const readAgain = () => this.readAgain(instance, args, key, compute);
    // An error is shared whether or not the execution was sealed: only values go stale.
    if (running.sealed) return running.promise.then(readAgain);
    return running.promise.then((outcome) => (outcome.refused ? readAgain() : outcome));
  }

  /**
   * For a caller the landed execution's result is not good for: the entry the store holds
   * now (a later computation's, when that one got there first), or else the result of an
   * execution that began after the caller arrived (see follow).
   */
  private async readAgain(
    instance: object,
    args: unknown[],
    key: string,
    compute: Compute | undefined,
  ): Promise<Outcome> {
    try {
      const entry = await this.config.store.get(key, this.config.scope);
      if (entry !== undefined && entry.freshUntil > Date.now()) return entry;
    } catch {
      // A failing store reads as a miss: the execution that follows reports it.
    }
    return this.follow(instance, args, key, compute);
  }

  /**
   * The execution running for `key` now, or a new one. The execution the caller joined has
   * landed, so this one began after the caller arrived: its result is good for the caller even
   * when the store refused or never saw it (sealed or not), and taking it bounds the work of a
   * burst of callers on a key the store keeps refusing (invalidated all the time, or failing)
   * to two executions, not one per caller. Only a refresh that failed without a value is no
   * result, nor is another caller's own result (Outcome.personal): then the caller follows the
   * next one.
   */
  private follow(instance: object, args: unknown[], key: string, compute: Compute | undefined): Promise<Outcome> {
    const running = this.flights.get(key);
    if (running === undefined || !this.joinable(running)) {
      return this.launch(instance, args, key, compute, 'miss').then((outcome) =>
        outcome.failure === undefined ? outcome : this.follow(instance, args, key, compute),
      );
    }
    // Another caller's execution: its result is not this caller's when it is that caller's alone.
    return running.promise.then((outcome) =>
      outcome.failure === undefined && outcome.personal === undefined
        ? outcome
        : this.follow(instance, args, key, compute),
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
    return this.launch(instance, args, key, compute, reason);
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

  private joinable(flight: Flight): boolean {
    const { store } = this.config;
    return store.joinEpoch === undefined || flight.epoch === store.joinEpoch();
  }

  private launch(
    instance: object,
    args: unknown[],
    key: string,
    compute: Compute | undefined,
    reason: RunReason,
  ): Promise<Outcome> {
    const flight = new Flight(this.config.store.joinEpoch?.());
    this.flights.set(key, flight);
    flight.promise = this.execute(instance, args, key, compute, reason, flight.seal);
    const land = () => {
      if (this.flights.get(key) === flight) this.flights.delete(key);
    };
    flight.promise.then(land, land);
    return flight.promise;
  }

  /** `seal`: told when the result (or, waiting on another process, a read) is sent to the store. */
  private async execute(
    instance: object,
    args: unknown[],
    key: string,
    compute: Compute | undefined,
    reason: RunReason,
    seal?: () => void,
  ): Promise<Outcome> {
    let stamp: number | undefined;
    try {
      stamp = await this.results.stamp(key, reason === 'refresh');
    } catch (failure) {
      if (reason !== 'refresh') throw failure;
      return { value: undefined, kind: ResultKind.Value, refused: true, failure };
    }
    // Without a stamp the store is failing: the lock would fail too, so the method just runs.
    const outcome =
      this.distributed !== undefined && stamp !== undefined
        ? await this.distributed.run(key, reason, stamp, seal, () =>
            this.runAndSave(instance, args, key, compute, reason, stamp, seal),
          )
        : await this.runAndSave(instance, args, key, compute, reason, stamp, seal);
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
    seal: (() => void) | undefined,
  ): Promise<Outcome> {
    const started = performance.now();
    let outcome: Outcome;
    try {
      outcome = await this.config.instruments.trace(reason, () => this.run(instance, args, compute, reason));
    } catch (error) {
      this.telemetry.recomputeFailed(performance.now() - started, reason, error);
      throw error;
    }
    this.telemetry.recomputed(performance.now() - started, reason, key);
    // Without a stamp nothing was checked against the store's marks: callers that joined run again.
    if (stamp === undefined) return { ...outcome, refused: true };
    try {
      const saved = await this.results.save(instance, args, key, outcome, stamp, reason, seal);
      return saved ? outcome : { ...outcome, refused: true };
    } catch (failure) {
      if (reason !== 'refresh') throw failure;
      return { ...outcome, refused: true, failure };
    }
  }
}
