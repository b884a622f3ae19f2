/**
 * A deep copy of a result, for `clone: true`: arrays, plain objects, `Date`, `Map`, `Set`,
 * `RegExp`, `Buffer`, typed arrays and `ArrayBuffer` are copied; class instances become plain
 * objects of their own enumerable fields, as the other stores' codec hands them back.
 *
 * Fields are defined, never assigned: an own `__proto__` field (JSON.parse makes one from
 * user input) stays a field of the copy. Assigning it, as rfdc did, set the copy's prototype
 * to the user's object, so `{"__proto__": {"isAdmin": true}}` read back with `isAdmin` true.
 */
export function deepCopy<T>(value: T): T {
  return copy(value) as T;
}

function copy(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) {
    const out = new Array<unknown>(value.length);
    for (let i = 0; i < value.length; i++) if (i in value) out[i] = copy(value[i]);
    return out;
  }
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) {
    if (value instanceof Date) return new Date(value.getTime());
    if (value instanceof Map) {
      const out = new Map<unknown, unknown>();
      for (const [k, v] of value) out.set(copy(k), copy(v));
      return out;
    }
    if (value instanceof Set) {
      const out = new Set<unknown>();
      for (const member of value) out.add(copy(member));
      return out;
    }
    if (Buffer.isBuffer(value)) return Buffer.from(value);
    if (value instanceof DataView) {
      return new DataView(value.buffer.slice(value.byteOffset, value.byteOffset + value.byteLength));
    }
    if (ArrayBuffer.isView(value)) return (value as unknown as Uint8Array).slice();
    if (value instanceof ArrayBuffer) return value.slice(0);
    if (value instanceof RegExp) return new RegExp(value.source, value.flags);
  }
  const out: Record<string, unknown> = proto === null ? Object.create(null) : {};
  for (const name of Object.keys(value)) {
    const field = copy((value as Record<string, unknown>)[name]);
    if (name === '__proto__') {
      Object.defineProperty(out, name, { value: field, enumerable: true, writable: true, configurable: true });
    } else {
      out[name] = field;
    }
  }
  return out;
}
