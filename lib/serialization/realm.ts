import { deserialize, serialize } from 'node:v8';

/**
 * Whether node:v8 builds values with this module's own `Date`, `Map`, `Object`... It does,
 * except where this code runs in a `vm` context, as under Jest: there `deserialize` (Node's,
 * from the main realm) builds main-realm objects, and `toBeInstanceOf(Date)` fails with
 * "Expected constructor: Date, Received constructor: Date". Learned once, at load.
 */
export const SAME_REALM = deserialize(serialize(new Date(0))) instanceof Date;

const TYPED_ARRAYS: Record<string, new (buffer: ArrayBufferLike, offset: number, length: number) => ArrayBufferView> = {
  Int8Array,
  Uint8Array,
  Uint8ClampedArray,
  Int16Array,
  Uint16Array,
  Int32Array,
  Uint32Array,
  Float32Array,
  Float64Array,
  BigInt64Array,
  BigUint64Array,
};

const ERRORS: Record<string, ErrorConstructor> = {
  Error,
  EvalError,
  RangeError,
  ReferenceError,
  SyntaxError,
  TypeError,
  URIError,
};

const tag = (value: object): string => Object.prototype.toString.call(value).slice(8, -1);

/**
 * The same data, rebuilt with this realm's classes: what node:v8 can carry (plain objects
 * and arrays, Date, Map, Set, RegExp, Error, Buffer, typed arrays, ArrayBuffer), keeping
 * shared references and cycles. Only called where SAME_REALM is false, so it costs nothing
 * in production. Own keys are defined, never assigned, so a `__proto__` key stays data.
 */
export function intoThisRealm<T>(value: T): T {
  return adopt(value, new Map()) as T;
}

function adopt(value: unknown, seen: Map<object, unknown>): unknown {
  if (typeof value !== 'object' || value === null) return value;
  const known = seen.get(value);
  if (known !== undefined) return known;
  const kind = tag(value);
  if (kind === 'Date') return remember(seen, value, new Date((value as Date).getTime()));
  if (kind === 'RegExp') return remember(seen, value, new RegExp((value as RegExp).source, (value as RegExp).flags));
  if (kind === 'ArrayBuffer') return remember(seen, value, (value as ArrayBuffer).slice(0));
  if (ArrayBuffer.isView(value)) return remember(seen, value, adoptView(value));
  if (kind === 'Map') {
    const map = remember(seen, value, new Map());
    for (const [k, v] of value as Map<unknown, unknown>) map.set(adopt(k, seen), adopt(v, seen));
    return map;
  }
  if (kind === 'Set') {
    const set = remember(seen, value, new Set());
    for (const v of value as Set<unknown>) set.add(adopt(v, seen));
    return set;
  }
  if (kind === 'Error') {
    const error = value as Error;
    const copy = remember(seen, value, new (ERRORS[error.name] ?? Error)(error.message));
    Object.defineProperty(copy, 'stack', { value: error.stack, writable: true, configurable: true });
    if ('cause' in error) copy.cause = adopt(error.cause, seen);
    return copy;
  }
  if (Array.isArray(value)) {
    const array = remember(seen, value, new Array(value.length));
    for (const key of Object.keys(value))
      define(array, key, adopt((value as unknown as Record<string, unknown>)[key], seen));
    return array;
  }
  const object = remember(seen, value, {});
  for (const key of Object.keys(value)) define(object, key, adopt((value as Record<string, unknown>)[key], seen));
  return object;
}

/** A Buffer stays a Buffer (this realm's), a typed array its own type; the bytes are copied. */
function adoptView(view: ArrayBufferView): ArrayBufferView {
  const bytes = new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
  if (Buffer.isBuffer(view)) return Buffer.from(bytes);
  const copy = new Uint8Array(bytes).buffer;
  const kind = tag(view);
  if (kind === 'DataView') return new DataView(copy);
  const Typed = TYPED_ARRAYS[kind] ?? Uint8Array;
  const size = (view as unknown as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT ?? 1;
  return new Typed(copy, 0, view.byteLength / size);
}

function remember<T>(seen: Map<object, unknown>, from: object, to: T): T {
  seen.set(from, to);
  return to;
}

function define(target: object, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
}
