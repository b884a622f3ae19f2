import { randomBytes } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';
import { withTimeout } from '../../utils/with-timeout.js';
import { Acknowledgements } from './acknowledgements.js';
import { BusChannel, type BusChannelListener } from './bus-channel.js';
import { busMessages, type BusMessage, type Invalidation } from './bus-messages.js';
import type { MarksAnnouncement } from '../redis/redis-scripts.js';
import type { LocalTier } from './local-tier.js';
import { clearInterval, clearTimeout, performance, setInterval, setTimeout } from '../../utils/real-time.js';

/** How long before the end of its lease a process stops serving local copies, at most (a tenth of the lease when shorter). */
const REVOKE_EARLY_MS = 5;

/**
 * How the processes of a two-tier alias keep their local tiers coherent, over one Redis
 * pub/sub channel (see bus-channel.ts):
 *
 * - The lease. Every `lease / 4` this process publishes a heartbeat through its command
 *   connection and hears it back on its subscriber connection. Messages of one connection
 *   arrive in order, so hearing it proves that everything published before it was heard;
 *   the process serves local copies until `lease` after the heartbeat was *sent*, read on
 *   its own clocks: no two hosts' clocks are ever compared. The end of the lease is kept on
 *   the monotonic clock (`performance.now()`) and, for the hit path, which reads the wall
 *   clock anyway, on `Date.now()` too: a hit is served only before the wall-clock end, and a
 *   timer on the monotonic clock revokes that end when the lease runs out, so neither a wall
 *   clock set back (the timer) nor a host suspended with its monotonic clock standing still
 *   (the wall clock) stretches the lease. A lost subscription ends the lease at once and
 *   empties the local tier.
 * - Invalidations. After Redis has the change, it is applied here, published, and the call
 *   waits for the acknowledgements of every process that may hold a lease (see
 *   acknowledgements.ts), `lease` at most.
 * - New values are announced without waiting, so others drop their older copies promptly.
 */
export class InvalidationBus implements BusChannelListener {
  /** This process's name on the channel. */
  readonly id = randomBytes(6).toString('base64url');
  private readonly channel: BusChannel;
  /** The end of the lease on the monotonic clock. */
  private leaseUntil = 0;
  /** The same end on the wall clock, for hits; 0 once revoked (see `leasedAt`). */
  private leaseUntilWall = 0;
  private revocation: NodeJS.Timeout | undefined;
  /** How long before the lease's end its wall-clock end is revoked (see revoke). */
  private readonly revokeEarly: number;
  /** When the present subscription began; undefined while there is none. */
  private listeningSince: number | undefined;
  /** Other processes' last heartbeat, as heard here. */
  private readonly peers = new Map<string, number>();
  private readonly waiting = new Map<number, Acknowledgements>();
  private nextId = 0;
  private heartbeat: NodeJS.Timeout | undefined;

  constructor(
    client: Redis | Cluster,
    channelName: string,
    private readonly local: LocalTier,
    private readonly leaseMs: number,
    private readonly timeoutMs: number,
  ) {
    this.channel = new BusChannel(client, channelName, this);
    this.revokeEarly = Math.min(REVOKE_EARLY_MS, leaseMs / 10);
  }

  start(): void {
    this.channel.start();
    this.heartbeat ??= setInterval(() => this.beat(), Math.max(1, this.leaseMs / 4));
    this.heartbeat.unref();
  }

  /** Whether local copies may be served now. */
  leased(): boolean {
    return performance.now() < this.leaseUntil;
  }

  /** Whether a hit may be served, told the wall-clock time (`Date.now()`) the caller has read already. */
  leasedAt(now: number): boolean {
    return now < this.leaseUntilWall;
  }

  /** Publishes a change Redis already has (and this process's local tier too), and waits until no process can serve what it replaced. */
  async invalidate(change: Invalidation): Promise<void> {
    await this.publishAndWait((id) =>
      withTimeout(this.channel.publish(busMessages.encode({ kind: 'i', from: this.id, id, change })), this.timeoutMs),
    );
  }

  /**
   * Marks: `mark` sets them in Redis and, in the same script, publishes the message (its
   * stamp issued there); then, as for `invalidate`, waits until no process can serve what
   * they void. Resolves to the stamp, once this process's local tier has the marks too.
   */
  async invalidateMarks(
    marks: readonly string[],
    mark: (announce: MarksAnnouncement) => Promise<number>,
  ): Promise<number> {
    let stamp = 0;
    await this.publishAndWait(async (id) => {
      const text = busMessages.markInvalidation(this.id, id, marks);
      stamp = await mark({ command: this.channel.publishCommand, channel: this.channel.name, ...text });
      this.local.mark(marks, stamp);
    });
    return stamp;
  }

  /** Runs `publish` for a new invalidation id, then waits for its acknowledgements (see acknowledgements.ts). */
  private async publishAndWait(publish: (id: number) => Promise<unknown>): Promise<void> {
    const id = ++this.nextId;
    const acks = new Acknowledgements(this.leaseMs);
    this.waiting.set(id, acks);
    try {
      await publish(id);
      acks.published(performance.now());
      await acks.done;
    } finally {
      acks.cancel();
      this.waiting.delete(id);
    }
  }

  /** Tells the others a newer value is stored under `key`; nobody is waited for. */
  announce(key: string, created: number): void {
    this.publish({ kind: 's', from: this.id, created, key });
  }

  message(text: string): void {
    const message = busMessages.decode(text);
    if (message === undefined || this.listeningSince === undefined) return;
    const self = message.from === this.id;
    switch (message.kind) {
      case 'h':
        if (!self) this.peers.set(message.from, performance.now());
        else if (message.sentAt >= this.listeningSince) this.renew(message.sentAt + this.leaseMs);
        return;
      case 'i':
        if (self) return this.waiting.get(message.id)?.echoed(this.peers, this.listeningSince);
        apply(this.local, message.change);
        return this.publish({ kind: 'a', from: this.id, to: message.from, id: message.id });
      case 'b':
        if (!self) this.peers.delete(message.from);
        return;
      case 'a':
        if (message.to === this.id) this.waiting.get(message.id)?.ack(message.from);
        return;
      case 's':
        if (!self) this.local.replaced(message.key, message.created);
    }
  }

  subscribed(): void {
    this.listeningSince = performance.now();
    this.peers.clear();
    this.local.clear();
    this.beat();
  }

  lost(): void {
    this.listeningSince = undefined;
    this.leaseUntil = 0;
    this.leaseUntilWall = 0;
    clearTimeout(this.revocation);
    this.peers.clear();
    this.local.clear();
  }

  /** Stops serving local copies, then tells the others not to wait for this process any more. */
  async close(): Promise<void> {
    clearInterval(this.heartbeat);
    this.heartbeat = undefined;
    for (const acks of this.waiting.values()) acks.cancel();
    this.lost();
    const bye = busMessages.encode({ kind: 'b', from: this.id, sentAt: performance.now() });
    await withTimeout(this.channel.publish(bye), this.timeoutMs).catch(() => undefined);
    await this.channel.close();
  }

  /** The lease now runs until `until` (monotonic), and as long on the wall clock, until the timer revokes it. */
  private renew(until: number): void {
    if (until <= this.leaseUntil) return;
    this.leaseUntil = until;
    const left = until - performance.now();
    this.leaseUntilWall = Date.now() + left;
    this.revokeIn(left);
  }

  private revokeIn(left: number): void {
    clearTimeout(this.revocation);
    this.revocation = setTimeout(this.revoke, Math.max(0, left - this.revokeEarly));
    this.revocation.unref();
  }

  /**
   * Revokes the wall-clock end a little before the lease's end on `performance.now()`, and
   * sets the timer again when it fired before that. Node's timers run on the event loop's
   * clock, in whole milliseconds, so a timer set for the lease's end fires up to a
   * millisecond either side of it: after, another process waiting for this one (an
   * invalidation, acknowledgements.ts) may already have resolved, and a hit that reads a
   * wall clock stepped back (or a test's fake `Date`, which stands still) is served past the
   * lease; before, the lease was left standing with no timer (40671ce). The lease itself
   * (`leased`) still ends on time: heartbeats renew it long before, so this costs nothing
   * while they are heard.
   */
  private readonly revoke = () => {
    const left = this.leaseUntil - performance.now();
    if (left > this.revokeEarly) this.revokeIn(left);
    else this.leaseUntilWall = 0;
  };

  private beat(): void {
    this.publish({ kind: 'h', from: this.id, sentAt: performance.now() });
  }

  private publish(message: BusMessage): void {
    withTimeout(this.channel.publish(busMessages.encode(message)), this.timeoutMs).catch(() => undefined);
  }
}

/** Applies another process's change to the local tier. */
export function apply(local: LocalTier, change: Invalidation): void {
  if ('marks' in change) local.mark(change.marks, change.stamp);
  else if ('created' in change) local.refreshed(change.key, change.created);
  else local.drop(change.key);
}
