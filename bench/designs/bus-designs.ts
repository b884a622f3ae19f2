/**
 * The prototypes that chose the two-tier alias's invalidation bus (README, "Running several
 * instances"). Each design is run against a real Redis with 3 receiving processes:
 *   node --import @swc-node/register/esm-register bench/designs/bus-designs.ts [redis-url]
 * (a) pub/sub, each receiver acknowledging on the channel: the invalidating call waits for 3 acks;
 * (b) CLIENT TRACKING BCAST (RESP2, REDIRECT to a subscriber): the writer learns nothing back;
 * (c) a Stream read with XREAD BLOCK from the last seen ID: the writer learns nothing back.
 * "seen" is the time until the last receiver got the message (same host, so one clock).
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';

const URL_ = process.argv[2]?.startsWith('redis')
  ? process.argv[2]
  : (process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
const ROUNDS = Number(process.env.ROUNDS ?? 400);
const RECEIVERS = 3;
const base = process.env.BUS_DESIGNS_BASE ?? `bus-designs:${process.pid}`;
const now = () => performance.timeOrigin + performance.now();

type Design = 'pubsub' | 'tracking' | 'stream';

async function receiver(design: Design, id: number): Promise<void> {
  const sub = new Redis(URL_);
  const cmd = new Redis(URL_);
  const report = (round: string) => process.send!({ round, at: now() });
  if (design === 'pubsub') {
    sub.on('message', (_channel, message: string) => {
      if (!message.startsWith('inv ')) return;
      const round = message.slice(4);
      void cmd.publish(`${base}:bus`, `ack ${id} ${round}`);
      report(round);
    });
    await sub.subscribe(`${base}:bus`);
  } else if (design === 'tracking') {
    const subId = await sub.client('ID');
    sub.on('message', (_channel, message: unknown) => {
      for (const key of ([] as string[]).concat(message as string[])) report(key.slice(`${base}:k:`.length));
    });
    await sub.subscribe('__redis__:invalidate');
    await cmd.call('CLIENT', 'TRACKING', 'on', 'REDIRECT', String(subId), 'BCAST', 'PREFIX', `${base}:k:`);
  } else {
    let last = '$';
    void (async () => {
      for (;;) {
        const reply = (await sub.xread('BLOCK', 0, 'STREAMS', `${base}:stream`, last)) as Array<
          [string, Array<[string, string[]]>]
        > | null;
        for (const [, entries] of reply ?? [])
          for (const [entryId, fields] of entries) {
            last = entryId;
            report(fields[1]);
          }
      }
    })();
  }
  process.send!({ ready: true });
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function run(design: Design): Promise<void> {
  const script = fileURLToPath(import.meta.url);
  const children = Array.from({ length: RECEIVERS }, (_, i) =>
    fork(script, ['--receiver', design, String(i)], {
      execArgv: ['--import', '@swc-node/register/esm-register', '--no-warnings'],
      env: { ...process.env, REDIS_URL: URL_, BUS_DESIGNS_BASE: base },
    }),
  );
  const seen = new Map<string, number[]>();
  await Promise.all(
    children.map(
      (child) =>
        new Promise<void>((resolve) =>
          child.on('message', (m: { ready?: boolean; round?: string; at?: number }) => {
            if (m.ready) resolve();
            else (seen.get(m.round!) ?? seen.set(m.round!, []).get(m.round!)!).push(m.at!);
          }),
        ),
    ),
  );
  await new Promise((resolve) => setTimeout(resolve, 300));
  const cmd = new Redis(URL_);
  const sub = new Redis(URL_);
  const acks = new Map<string, () => void>();
  if (design === 'pubsub') {
    sub.on('message', (_channel, message: string) => {
      if (!message.startsWith('ack ')) return;
      acks.get(message.split(' ')[2])?.();
    });
    await sub.subscribe(`${base}:bus`);
  }
  const resolved: number[] = [];
  const seenAll: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const r = String(round);
    const start = now();
    if (design === 'pubsub') {
      let left = RECEIVERS;
      const done = new Promise<void>((resolve) => acks.set(r, () => --left === 0 && resolve()));
      const count = await cmd.publish(`${base}:bus`, `inv ${r}`);
      if (count < RECEIVERS) throw new Error(`only ${count} receivers`);
      await done;
      acks.delete(r);
    } else if (design === 'tracking') {
      await cmd.set(`${base}:k:${r}`, 'v');
    } else {
      await cmd.xadd(`${base}:stream`, 'MAXLEN', '~', '1000', '*', 'r', r);
    }
    resolved.push(now() - start);
    const deadline = Date.now() + 2_000;
    while ((seen.get(r)?.length ?? 0) < RECEIVERS && Date.now() < deadline)
      await new Promise((resolve) => setImmediate(resolve));
    const times = seen.get(r) ?? [];
    seenAll.push(times.length === RECEIVERS ? Math.max(...times) - start : Number.NaN);
  }
  for (const child of children) child.kill();
  await cmd.del(`${base}:stream`);
  cmd.disconnect();
  sub.disconnect();
  const fmt = (xs: number[]) => {
    const sorted = xs.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
    return `p50 ${percentile(sorted, 50).toFixed(3)} ms, p99 ${percentile(sorted, 99).toFixed(3)} ms`;
  };
  console.log(`${design.padEnd(8)} call resolved: ${fmt(resolved)} | seen by all ${RECEIVERS}: ${fmt(seenAll)}`);
}

if (process.argv[2] === '--receiver') {
  await receiver(process.argv[3] as Design, Number(process.argv[4]));
} else {
  for (const design of ['pubsub', 'tracking', 'stream'] as Design[]) await run(design);
}
