import type { ResultKind } from '../stores/memo-store.interface.js';

/** A method's result, settled: the value and how to replay it. */
export interface Outcome {
  value: unknown;
  kind: ResultKind;
  /**
   * Set when the store refused to keep this result: an invalidation (here or in another
   * process) or a later computation overtook it. Its own caller still receives it (the
   * call began before that invalidation), but callers that joined the execution run again.
   */
  refused?: true;
}
