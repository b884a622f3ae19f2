/**
 * Encodes values to strings canonically: equal data gives equal strings whatever the
 * order of object keys, Map entries or Set members, and values of different types never
 * meet (`1`, `'1'`, `1n`, `true`, `null`, `undefined` all differ). Strings are JSON-quoted,
 * so separators inside them cannot shift a boundary: `('a:b', 'c')` and `('a', 'b:c')`
 * encode differently.
 */
export class UnencodableValueError extends Error {
  constructor(
    readonly what: string,
    readonly path: string,
  ) {
    super(`${what} at ${path}`);
  }
}

export function encodeValue(value: unknown, path = '$'): string {
  return encode(value, path, []);
}

function encode(value: unknown, path: string, ancestors: object[]): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      return Object.is(value, -0) ? '-0' : String(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'undefined':
      return 'undefined';
    case 'bigint':
      return `${value}n`;
    case 'function':
      throw new UnencodableValueError('a function', path);
    case 'symbol':
      throw new UnencodableValueError('a symbol', path);
  }
  if (value === null) return 'null';
  return encodeObject(value as object, path, ancestors);
}

function encodeObject(value: object, path: string, ancestors: object[]): string {
  if (ancestors.includes(value)) throw new UnencodableValueError('a cycle', path);
  if (value instanceof Date) return `Date(${value.getTime()})`;
  if (ArrayBuffer.isView(value)) {
    const bytes = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
    return `${value.constructor.name}(${bytes.toString('base64')})`;
  }
  if (value instanceof RegExp) return `RegExp(${JSON.stringify(value.source)},${value.flags})`;
  ancestors.push(value);
  try {
    if (Array.isArray(value)) {
      return `[${value.map((item, i) => encode(item, `${path}[${i}]`, ancestors)).join(',')}]`;
    }
    if (value instanceof Map) {
      const entries = [...value].map(
        ([k, v], i) => `${encode(k, `${path}.key(${i})`, ancestors)}:${encode(v, `${path}.get(${i})`, ancestors)}`,
      );
      return `Map{${entries.sort().join(',')}}`;
    }
    if (value instanceof Set) {
      const members = [...value].map((v, i) => encode(v, `${path}.member(${i})`, ancestors));
      return `Set[${members.sort().join(',')}]`;
    }
    const proto = Object.getPrototypeOf(value);
    const className = proto === Object.prototype || proto === null ? '' : (proto.constructor?.name ?? 'Anonymous');
    const toJSON = (value as { toJSON?: unknown }).toJSON;
    if (className && typeof toJSON === 'function') {
      return `${className}(${encode(toJSON.call(value), `${path}.toJSON()`, ancestors)})`;
    }
    return `${className}{${encodeFields(value as Record<string, unknown>, path, ancestors)}}`;
  } finally {
    ancestors.pop();
  }
}

/** Own enumerable fields, sorted by name; fields holding `undefined` are left out, as JSON does. */
function encodeFields(value: Record<string, unknown>, path: string, ancestors: object[]): string {
  const parts: string[] = [];
  for (const name of Object.keys(value).sort()) {
    const field = value[name];
    if (field === undefined) continue;
    parts.push(`${JSON.stringify(name)}:${encode(field, `${path}.${name}`, ancestors)}`);
  }
  return parts.join(',');
}
