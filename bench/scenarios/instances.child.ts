/**
 * One more instance for the `instances` scenario, in its own process: the Catalog on the
 * alias kind it is told (or bentocache's two-tier setup), computing from a version number
 * kept in Redis (the source of truth). Told `watch v`, it calls the method in a loop,
 * yielding to I/O between calls, until it returns `v`, and says when (this host's clock).
 */
import 'reflect-metadata';
import { setImmediate as yieldToIo } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { bentoTwoTier, ourRedisApp } from '../fixtures/two-tier.js';

const [kind, url, namespace, truthKey] = process.argv.slice(2) as [string, string, string, string];
const truth = new Redis(url);
const compute = async () => Number(await truth.get(truthKey));

let call: () => Promise<unknown>;
let close: () => Promise<void>;
if (kind === 'bento') {
  const bento = bentoTwoTier(url, compute, namespace);
  call = () => bento.byId(1);
  close = () => bento.close();
} else {
  const us = await ourRedisApp(compute, url, namespace, kind === 'two-tier');
  call = () => us.catalog.byIdTagged(1);
  close = () => us.close();
}

const now = () => performance.timeOrigin + performance.now();
const send = (message: object) => process.send!(message);

process.on('message', async (message: { watch?: number; exit?: true; ping?: number; prime?: number }) => {
  if (message.ping !== undefined) return send({ pong: message.ping, at: now() });
  if (message.prime !== undefined) return send({ primed: message.prime, value: await call() });
  if (message.exit) {
    await close();
    truth.disconnect();
    process.exit(0);
  }
  if (message.watch === undefined) return;
  const wanted = message.watch;
  let polls = 0;
  for (;;) {
    const got = Number(await call());
    if (got >= wanted) return send({ seen: wanted, at: now(), polls });
    if (polls++ === 0) send({ watching: wanted });
    await yieldToIo();
  }
});

await call();
send({ ready: true });
