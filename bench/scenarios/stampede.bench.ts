import { setTimeout as sleep } from 'node:timers/promises';
import { ours } from '../fixtures/memo-app.js';
import { type Contender, floor, MEMORY_PEERS } from '../fixtures/memory-peers.js';
import { PAYLOADS } from '../support/payloads.js';
import { formatNs, type Goal, type Scenario } from '../support/report.js';

const CALLERS = 1_000;
const WORK_MS = 20;

/**
 * 5. Stampede: 1,000 concurrent calls for the same cold key, the method taking 20 ms.
 * Counts how many times each library ran it, and how long until every caller had a value.
 */
export const stampede: Scenario = {
  id: 'stampede',
  title: '5. Stampede',
  async run() {
    const rows: string[][] = [];
    const goals: Goal[] = [];
    const value = PAYLOADS[0]!.value;
    const makers: Array<(compute: () => Promise<unknown>) => Contender | Promise<Contender>> = [
      (compute) => ({ ...floor(compute), name: 'by hand: Map get-or-set, no dedupe' }),
      (compute) => ours(compute),
      // The same method with lock: false, to show what the per-process lock buys.
      async (compute) => {
        const us = await ours(compute);
        return { ...us, name: 'nestjs-cache-memoize (lock: false)', byId: (id: number) => us.catalog.unlocked(id) };
      },
      ...MEMORY_PEERS,
    ];
    for (const [index, make] of makers.entries()) {
      let executions = 0;
      const compute = async () => {
        executions++;
        await sleep(WORK_MS);
        return value;
      };
      const contender = await make(compute);
      const call = () => contender.byId(42);
      const started = performance.now();
      const results = await Promise.all(Array.from({ length: CALLERS }, call));
      const elapsed = (performance.now() - started) * 1e6;
      await contender.close();
      const allGotIt = results.every((result) => result === value);
      rows.push([contender.name, String(executions), formatNs(elapsed), allGotIt ? 'yes' : 'NO']);
      if (index === 1)
        goals.push({
          goal: `Stampede: ${CALLERS} concurrent cold calls run the method once`,
          measured: `${executions} execution(s)`,
          met: executions === 1 && allGotIt,
        });
    }
    return {
      tables: [
        {
          title: `Stampede: ${CALLERS} concurrent calls, one cold key, method takes ${WORK_MS} ms`,
          columns: ['', 'executions', 'all settled after', 'every caller got the value'],
          rows,
        },
      ],
      goals,
    };
  },
};
