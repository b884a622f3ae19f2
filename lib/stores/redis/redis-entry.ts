import { entryCodec } from '../../serialization/entry-codec.js';
import { isUsableEntry, type StoredEntry } from '../memo-store.interface.js';

const HEADER = 'cm1b|';
const PENDING_HEADER = 'cm1p|';
const NEWLINE = 0x0a;
const BAR = 0x7c;

/**
 * How an entry sits in Redis: one string, `cm1b|<created µs>|<tags as JSON>\n` and then the
 * codec's bytes. The fixed start tells our entries from anything else under the key; the
 * header line is all the Lua scripts read (JSON never holds a raw newline), so a hit is
 * checked against its marks without decoding the value in Redis.
 */
export const redisEntry = {
  /**
   * `pending`: under a `cm1p|` header, an entry a Cluster store has written but not yet made
   * readable (see cluster-store.ts). Readers take it for a miss; the scripts order it by its
   * stamp like any entry, and making it readable rewrites the one letter that differs.
   */
  encode(entry: StoredEntry, pending = false): Buffer {
    const tags = entry.tags?.length ? JSON.stringify(entry.tags) : '';
    const header = pending ? PENDING_HEADER : HEADER;
    return Buffer.concat([Buffer.from(`${header}${entry.created}|${tags}\n`), entryCodec.pack(entry)]);
  },

  /** How a pending entry stamped `created` starts: what commits or drops only that one. */
  pendingHeader(created: number | string): string {
    return `${PENDING_HEADER}${created}|`;
  },

  /** A header with no value: what a deleted key holds while older computations may still try to write. */
  tombstone(created: number | string): Buffer {
    return Buffer.from(`${HEADER}${created}|\n`);
  },

  /**
   * `undefined` for a missing or foreign value, a tombstone, or a body that is no usable
   * entry (see isUsableEntry: `latestCreated` comes from the marks' clock); throws on bytes
   * the codec cannot read. The header's stamp, the one the Lua scripts compare, is the entry's.
   */
  decode(data: Buffer | null, latestCreated: number): StoredEntry | undefined {
    if (data === null || data.toString('latin1', 0, HEADER.length) !== HEADER) return undefined;
    const end = data.indexOf(NEWLINE);
    if (end < 0 || end === data.length - 1) return undefined;
    const entry = entryCodec.unpack<StoredEntry>(data.subarray(end + 1));
    if (typeof entry !== 'object' || entry === null) return undefined;
    entry.created = Number(data.toString('latin1', HEADER.length, data.indexOf(BAR, HEADER.length)));
    return isUsableEntry(entry, latestCreated) ? entry : undefined;
  },
};
