import { Messages } from '../cache-memoize.messages.js';
import { asStoreError, CacheConfigError } from '../errors.js';
import { EntryEncodeError } from '../serialization/entry-codec.js';
import { buildEntry } from './entry-builder.js';
import type { MethodConfig, RunReason } from './method-config.js';
import type { MethodTelemetry } from './method-telemetry.js';
import type { Outcome } from './outcome.js';

/**
 * The store's side of one method's executions: the stamp an execution takes before it runs,
 * and the result it stores after, checked against every invalidation that reached the store.
 */
export class ResultStore {
  constructor(
    private readonly config: MethodConfig,
    private readonly telemetry: MethodTelemetry,
  ) {}

  /**
   * Stores the result; true only when the store took it, having checked it against every
   * invalidation that reached it. A result the store refused or never saw (`unless` kept it
   * out, the store failed, the codec cannot encode it, a ttl/tags function answered nonsense)
   * gives false (see Outcome.refused): callers that joined the execution may have started
   * after an invalidation in another process resolved, so they read the store again rather
   * than take it. Failures are reported, not thrown, except for a refresh, which must not
   * resolve unless its value took effect (see refreshNotStored). A refresh, in the background
   * (`due`) or not, whose result is not stored drops the entry: the freshest answer says the
   * cached one is outdated, so the next caller gets the method's.
   */
  async save(
    instance: object,
    args: unknown[],
    key: string,
    outcome: Outcome,
    stamp: number,
    reason: RunReason,
    seal: (() => void) | undefined,
  ): Promise<boolean> {
    // One caller's result (see Outcome.personal) is not stored: callers that joined read again.
    if (outcome.personal) return false;
    try {
      const context = () => this.telemetry.context(instance, args, key, outcome.value);
      const created =
        outcome.startedBefore !== undefined && outcome.startedBefore < stamp ? outcome.startedBefore : stamp;
      const entry = buildEntry(this.config, outcome, created, context);
      if (entry !== undefined) {
        seal?.();
        const stored = await this.config.store.set(key, entry, this.config.scope, reason === 'refresh');
        // A refresh's stores drop the key themselves when its entry expired on the way (`replaces`).
        if (!stored && reason === 'due' && entry.staleUntil <= Date.now()) await this.dropInBackground(key);
        return stored;
      }
    } catch (error) {
      if (reason === 'refresh') return this.refreshNotStored(key, error);
      if (error instanceof EntryEncodeError) this.telemetry.notEncodable(error, key);
      else if (error instanceof CacheConfigError) this.telemetry.misconfigured(error, key);
      else return this.notStored(error, key);
      // The result itself is at fault, not the store: a background refresh drops what it replaced.
      if (reason === 'due') await this.dropInBackground(key);
      return false;
    }
    // `unless` kept the result out. A refresh still took effect: the value it replaced must go.
    if (reason === 'refresh') await this.drop(key);
    else if (reason === 'due') await this.dropInBackground(key);
    return false;
  }

  /** A store failure: its write may have landed, so nothing is dropped. */
  private notStored(error: unknown, key: string): false {
    this.telemetry.storeError(error, key, Messages.notStored(this.config.owner, this.config.alias));
    return false;
  }

  /**
   * A refresh whose result could not be stored rejects. When the result itself is at fault
   * (the codec cannot encode it, a ttl/tags function answered nonsense), the store works, so
   * the value the refresh meant to replace is dropped first: a caller that retries, or does
   * not, is not served it. A store failure is left as it is: its write may have landed.
   */
  private async refreshNotStored(key: string, error: unknown): Promise<never> {
    const { owner, alias } = this.config;
    if (error instanceof EntryEncodeError) {
      this.telemetry.notEncodable(error, key);
      await this.drop(key);
      throw new CacheConfigError(Messages.refreshNotEncodable(owner, alias), { cause: error });
    }
    if (!(error instanceof CacheConfigError)) throw asStoreError(error, Messages.refreshNotStored(owner, alias));
    await this.drop(key);
    throw error;
  }

  /**
   * Drops `key` as `invalidate()` does (on a two-tier alias, in every process), for a refresh
   * that stores nothing. The running execution is this refresh: callers that joined it read
   * the store again, since its result is not stored, so nothing needs forgetting.
   */
  private async drop(key: string): Promise<void> {
    try {
      await this.config.store.delete(key);
    } catch (error) {
      throw asStoreError(error, Messages.refreshNotStored(this.config.owner, this.config.alias));
    }
  }

  /**
   * `drop` for a background refresh (`refreshAfter`): no caller waits on it to take effect, and
   * callers that joined it to replace an expired entry must not fail on the store, so a failed
   * drop is reported (as any store failure, see MethodTelemetry.storeError), not thrown.
   */
  private async dropInBackground(key: string): Promise<void> {
    try {
      await this.config.store.delete(key);
    } catch (error) {
      this.notStored(error, key);
    }
  }

  /**
   * Taken before the method runs, so an invalidation during the run voids its result. A
   * refresh takes an exact one (after every stamp and mark set before it), so no entry
   * computed before it was asked for can refuse its result, and it fails without one.
   */
  async stamp(key: string, exact: boolean): Promise<number | undefined> {
    try {
      return await this.config.store.stamp(exact);
    } catch (error) {
      if (exact) throw asStoreError(error, Messages.refreshNotStored(this.config.owner, this.config.alias));
      this.telemetry.storeError(error, key, Messages.storeFailed(this.config.owner, this.config.alias));
      return undefined;
    }
  }
}
