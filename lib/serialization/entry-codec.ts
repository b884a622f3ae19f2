import { deserialize, serialize } from 'node:v8';
import type { StoredEntry } from '../registry/memo-store.interface.js';

/** Every encoded entry starts with this, so a foreign or older value is never misread. */
const HEADER = 'cm1:';

/**
 * Encodes entries for stores outside this process as opaque strings. Node's structured
 * serializer keeps Date, Map, Set, BigInt, undefined, NaN, Buffer and nested objects as
 * they were; the result is base64 text, so no layer below (Keyv's JSON, a store's own
 * reviver) can re-interpret it, and nothing read back ever becomes code.
 */
export const entryCodec = {
  encode(entry: StoredEntry): string {
    return HEADER + serialize(entry).toString('base64');
  },

  decode(text: unknown): StoredEntry | undefined {
    if (typeof text !== 'string' || !text.startsWith(HEADER)) return undefined;
    return deserialize(Buffer.from(text.slice(HEADER.length), 'base64')) as StoredEntry;
  },
};
