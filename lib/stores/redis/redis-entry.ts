import { entryCodec } from '../../serialization/entry-codec.js';
import type { StoredEntry } from '../memo-store.interface.js';

const HEADER = 'cm1b|';
const NEWLINE = 0x0a;

/**
 * How an entry sits in Redis: one string, `cm1b|<created µs>|<tags as JSON>\n` and then the
 * codec's bytes. The fixed start tells our entries from anything else under the key; the
 * header line is all the Lua scripts read (JSON never holds a raw newline), so a hit is
 * checked against its marks without decoding the value in Redis.
 */
export const redisEntry = {
  encode(entry: StoredEntry): Buffer {
    const tags = entry.tags?.length ? JSON.stringify(entry.tags) : '';
    return Buffer.concat([Buffer.from(`${HEADER}${entry.created}|${tags}\n`), entryCodec.pack(entry)]);
  },

  /** A header with no value: what a deleted key holds while older computations may still try to write. */
  tombstone(created: number): Buffer {
    return Buffer.from(`${HEADER}${created}|\n`);
  },

  /** `undefined` for a missing or foreign value or a tombstone; throws on a damaged one. */
  decode(data: Buffer | null): StoredEntry | undefined {
    if (data === null || data.toString('latin1', 0, HEADER.length) !== HEADER) return undefined;
    const end = data.indexOf(NEWLINE);
    return end < 0 || end === data.length - 1 ? undefined : entryCodec.unpack<StoredEntry>(data.subarray(end + 1));
  },
};
