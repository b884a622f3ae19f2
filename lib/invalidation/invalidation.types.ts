import type { Observable } from 'rxjs';

/** The names of `T`'s methods. */
export type MethodName<T> = { [K in keyof T]-?: T[K] extends (...args: never[]) => unknown ? K : never }[keyof T];

/** The parameters of method `K` of `T`. */
export type MethodArgs<T, K extends keyof T> = T[K] extends (...args: infer A) => unknown ? A : never;

/** What method `K` of `T` resolves to: the awaited value, or an Observable's value. */
export type MethodResult<T, K extends keyof T> = T[K] extends (...args: never[]) => infer R
  ? R extends Observable<infer V>
    ? V
    : Awaited<R>
  : never;
