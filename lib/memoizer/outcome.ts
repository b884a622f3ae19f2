import type { ResultKind } from '../stores/memo-store.interface.js';

/** A method's result, settled: the value and how to replay it. */
export interface Outcome {
  value: unknown;
  kind: ResultKind;
}
