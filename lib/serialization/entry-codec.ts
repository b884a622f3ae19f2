import { deserialize, serialize } from 'node:v8';
import { intoThisRealm, SAME_REALM } from './realm.js';

/** Every encoded entry starts with this, so a foreign or older value is never misread. */
const TEXT_HEADER = 'cm1:';

/** A result that holds something no store outside this process can keep: a function, a symbol, a Promise. */
export class EntryEncodeError extends Error {
  constructor(cause: unknown) {
    super(cause instanceof Error ? cause.message : String(cause), { cause });
    this.name = 'EntryEncodeError';
  }
}

/**
 * Encodes entries for stores outside this process with Node's structured serializer
 * (node:v8). Of the codecs compared in bench/scenarios/codec.bench.ts it is the fastest one
 * that keeps Date, Map, Set, BigInt, undefined, NaN, -0, Buffer and nested objects as they
 * were and refuses functions and symbols instead of dropping them. It only ever builds
 * data, so nothing read back becomes code. Text stores get base64 behind a fixed header,
 * so no layer below (Keyv's JSON, a store's own reviver) can re-interpret it; the Redis
 * store frames the bytes itself (see redis-entry.ts).
 */
export const entryCodec = {
  encode(value: object): string {
    return TEXT_HEADER + pack(value).toString('base64');
  },

  /** `undefined` for anything this codec did not write; throws on a damaged entry. */
  decode<T extends object>(text: unknown): T | undefined {
    if (typeof text !== 'string' || !text.startsWith(TEXT_HEADER)) return undefined;
    return read<T>(Buffer.from(text.slice(TEXT_HEADER.length), 'base64'));
  },

  /** The bare bytes, for a store that frames them behind a header of its own. */
  pack,

  unpack<T extends object>(bytes: Buffer): T {
    return read<T>(bytes);
  },
};

/** Values in the caller's realm: the same objects outside a `vm` context, a copy inside one (Jest). */
function read<T>(bytes: Buffer): T {
  const value = deserialize(bytes) as T;
  return SAME_REALM ? value : intoThisRealm(value);
}

function pack(value: object): Buffer {
  try {
    return serialize(value);
  } catch (error) {
    throw new EntryEncodeError(error);
  }
}
