import { UnencodableValueError } from './unencodable-value.error.js';
import { assertNoSymbolFields, hasPrivateFields, isBuiltIn, slotted, subclassName, viewName } from './value-types.js';

/**
 * Encodes values to strings canonically: equal data gives equal strings whatever the
 * order of object keys, Map entries or Set members, and values of different types never
 * meet (`1`, `'1'`, `1n`, `true`, `null`, `undefined` all differ). Strings are JSON-quoted,
 * so separators inside them cannot shift a boundary: `('a:b', 'c')` and `('a', 'b:c')`
 * encode differently.
 */
export function encodeValue(value: unknown): string {
  return encode(value, []);
}

function encode(value: unknown, ancestors: object[]): string {
  switch (typeof value) {
    case 'string':
      return quote(value);
    case 'number':
      return Object.is(value, -0) ? '-0' : String(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'undefined':
      return 'undefined';
    case 'bigint':
      return `${value}n`;
    case 'function':
      throw new UnencodableValueError('a function');
    case 'symbol':
      throw new UnencodableValueError('a symbol');
  }
  if (value === null) return 'null';
  return encodeObject(value as object, ancestors);
}

/** `encode`, naming `step` in the path of any value that cannot be encoded. */
function encodeAt(value: unknown, ancestors: object[], step: () => string): string {
  try {
    return encode(value, ancestors);
  } catch (error) {
    throw error instanceof UnencodableValueError ? error.within(step()) : error;
  }
}

/**
 * `JSON.stringify` of a string, without its cost for the usual short printable ASCII argument
 * (a slug, an id, a term), which JSON leaves as it is between quotes.
 */
function quote(value: string): string {
  if (value.length > 64) return JSON.stringify(value);
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code < 0x20 || code > 0x7e || code === 0x22 || code === 0x5c) return JSON.stringify(value);
  }
  return '"' + value + '"';
}

function encodeObject(value: object, ancestors: object[]): string {
  if (ancestors.includes(value)) throw new UnencodableValueError('a cycle');
  const proto = Object.getPrototypeOf(value);
  if (proto === Object.prototype || proto === null) {
    // Plain data, the usual argument: none of the special cases below can apply.
    assertNoSymbolFields(value);
    ancestors.push(value);
    try {
      return `{${encodeFields(value as Record<string, unknown>, ancestors)}}`;
    } finally {
      ancestors.pop();
    }
  }
  return encodeSpecial(value, proto, ancestors);
}

/** Everything but plain objects, kept out of encodeObject so the usual argument's path stays short. */
function encodeSpecial(value: object, proto: { constructor: Function }, ancestors: object[]): string {
  if (value instanceof Date) return `${slotted(value, proto, Date)}(${value.getTime()})`;
  if (ArrayBuffer.isView(value)) {
    const bytes = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
    return `${viewName(value, proto)}(${bytes.toString('base64')})`;
  }
  if (value instanceof RegExp)
    return `${slotted(value, proto, RegExp)}(${JSON.stringify(value.source)},${value.flags})`;
  if (value instanceof ArrayBuffer) {
    return `${slotted(value, proto, ArrayBuffer)}(${Buffer.from(value).toString('base64')})`;
  }
  if (value instanceof Number || value instanceof String || value instanceof Boolean || value instanceof BigInt) {
    const base =
      value instanceof String ? String : value instanceof Number ? Number : value instanceof Boolean ? Boolean : BigInt;
    const items = value instanceof String ? value.length : 0;
    return `${slotted(value, proto, base, items)}(${encode(value.valueOf(), ancestors)})`;
  }
  if (value instanceof URLSearchParams) {
    return `${slotted(value, proto, URLSearchParams)}(${JSON.stringify(value.toString())})`;
  }
  ancestors.push(value);
  try {
    if (Array.isArray(value)) return `${subclassName(value, proto, Array)}[${encodeItems(value, ancestors)}]`;
    if (value instanceof Map) {
      const entries = [...value].map(
        ([k, v], i) => `${encodeAt(k, ancestors, () => `.key(${i})`)}:${encodeAt(v, ancestors, () => `.get(${i})`)}`,
      );
      return `${subclassName(value, proto, Map)}Map{${entries.sort().join(',')}}`;
    }
    if (value instanceof Set) {
      const members = [...value].map((v, i) => encodeAt(v, ancestors, () => `.member(${i})`));
      return `${subclassName(value, proto, Set)}Set[${members.sort().join(',')}]`;
    }
    const constructor: unknown = proto.constructor;
    // The class name is quoted: a user class named `Map` or `Date` must not read as the built-in.
    // An anonymous class gets a name no plain object, and no named class, can have.
    const className = typeof constructor === 'function' && constructor.name ? constructor.name : '(anonymous class)';
    const toJSON = (value as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') {
      return `${quoted(className)}(${encodeAt(toJSON.call(value), ancestors, () => '.toJSON()')})`;
    }
    const builtIn = isBuiltIn(constructor);
    if (!builtIn) {
      if (hasPrivateFields(constructor)) throw new UnencodableValueError(`a ${className} with #private fields`);
      assertNoSymbolFields(value);
    }
    if (value instanceof Error) {
      const fields = encodeFields(value as unknown as Record<string, unknown>, ancestors);
      return `${quoted(className)}(${JSON.stringify(value.message)}){${fields}}`;
    }
    const fields = encodeFields(value as Record<string, unknown>, ancestors);
    // A built-in object keeps its data in internal slots (a Promise, a WeakMap...), and a class
    // instance without a visible field keeps it in closures or WeakMaps: no data to key it by.
    if (fields === '') throw new UnencodableValueError(builtIn ? `a ${className}` : `a ${className} without fields`);
    return `${quoted(className)}{${fields}}`;
  } finally {
    ancestors.pop();
  }
}

function encodeItems(items: readonly unknown[], ancestors: object[]): string {
  let out = '';
  let i = 0;
  try {
    // A hole encodes as `~`, so [ , ] (length 1), [] and [undefined] stay apart.
    for (; i < items.length; i++) out += (i === 0 ? '' : ',') + (i in items ? encode(items[i], ancestors) : '~');
  } catch (error) {
    throw error instanceof UnencodableValueError ? error.within(`[${i}]`) : error;
  }
  return out;
}

/** Own enumerable fields, sorted by name; fields holding `undefined` are left out, as JSON does. */
function encodeFields(value: Record<string, unknown>, ancestors: object[]): string {
  let out = '';
  for (const name of sortNames(Object.keys(value))) {
    const field = value[name];
    if (field === undefined) continue;
    try {
      out += (out === '' ? '' : ',') + quoted(name) + ':' + encode(field, ancestors);
    } catch (error) {
      throw error instanceof UnencodableValueError ? error.within(`.${name}`) : error;
    }
  }
  return out;
}

/**
 * Sorts field names in place, in the order of `Array.prototype.sort()`. Arguments have a
 * handful of fields, where an insertion sort costs a fraction of the general sort.
 */
function sortNames(names: string[]): string[] {
  if (names.length > 16) return names.sort();
  for (let i = 1; i < names.length; i++) {
    const name = names[i]!;
    let j = i - 1;
    for (; j >= 0 && names[j]! > name; j--) names[j + 1] = names[j]!;
    names[j + 1] = name;
  }
  return names;
}

const quotedNames = new Map<string, string>();

/** Field names repeat from call to call: their JSON quoting is kept rather than redone. */
function quoted(name: string): string {
  let quote = quotedNames.get(name);
  if (quote === undefined) {
    quote = JSON.stringify(name);
    if (quotedNames.size >= 4_096) quotedNames.clear();
    quotedNames.set(name, quote);
  }
  return quote;
}
