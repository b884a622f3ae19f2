import { deserialize } from 'node:v8';
import { entryCodec } from '../../lib/serialization/entry-codec.js';
import { intoThisRealm, SAME_REALM } from '../../lib/serialization/realm.js';
import { ResultKind, type StoredEntry } from '../../lib/stores/memo-store.interface.js';
import { timeTasks } from '../support/measure.js';
import { PAYLOADS } from '../support/payloads.js';
import { formatNs, formatRatio, type Scenario, type Table } from '../support/report.js';

/**
 * 8. What reading an entry back in the caller's realm costs. Outside a `vm` context (every
 * real app) the decoder only checks a constant: `unpack` should match a bare node:v8
 * `deserialize`. Inside one (Jest) the value is copied into the test's realm: that row
 * shows what a spec pays per read.
 */
export const realm: Scenario = {
  id: 'realm',
  title: '8. Reading back in the caller’s realm',
  async run() {
    const tables: Table[] = [];
    for (const payload of PAYLOADS) {
      const now = Date.now();
      const entry: StoredEntry = {
        value: payload.value,
        kind: ResultKind.Value,
        created: now * 1000,
        freshUntil: now + 60_000,
        staleUntil: now + 60_000,
      };
      const bytes = entryCodec.pack(entry);
      const timings = await timeTasks([
        ['node:v8 deserialize, bare (floor)', () => deserialize(bytes)],
        ['entryCodec.unpack (in use)', () => entryCodec.unpack(bytes)],
        ['deserialize + copy into a realm (what Jest pays)', () => intoThisRealm(deserialize(bytes))],
      ]);
      const floor = timings[0]!;
      tables.push({
        title: `Decode of an entry holding the ${payload.name}`,
        columns: ['', 'median', 'p99', '× floor'],
        rows: timings.map((t) => [
          t.name,
          formatNs(t.medianNs),
          formatNs(t.p99Ns),
          formatRatio(t.medianNs / floor.medianNs),
        ]),
        notes: [`Same realm here: ${SAME_REALM ? 'yes (no copy made by entryCodec)' : 'no'}.`],
      });
    }
    return { tables };
  },
};
