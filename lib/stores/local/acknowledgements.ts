import { clearTimeout, performance, setTimeout } from '../../utils/real-time.js';

/**
 * One published invalidation waiting to be applied by every process that may still serve
 * local copies. Who that is becomes known when the message comes back on this process's
 * own subscription (its echo): every heartbeat published before the invalidation has then
 * been heard, so each peer heard from within `lease` either acknowledges, or stops serving
 * local copies at the latest `lease` after the heartbeat heard last (its lease runs from
 * that heartbeat's sending, which was earlier). It settles at the latest `lease` after the
 * publish returned, whatever is heard: every lease granted before then has run out.
 */
export class Acknowledgements {
  readonly done: Promise<void>;
  private resolve!: () => void;
  private readonly acked = new Set<string>();
  private expected: Map<string, number> | undefined;
  /** Until then, a peer whose heartbeats this process could not hear may hold a lease. */
  private unknownUntil = 0;
  private timer: NodeJS.Timeout | undefined;
  private last = Infinity;

  constructor(private readonly leaseMs: number) {
    this.done = new Promise((resolve) => (this.resolve = resolve));
  }

  /** The publish returned: from now on it waits `lease` at most. */
  published(at: number): void {
    this.last = at + this.leaseMs;
    this.check();
  }

  /** The echo: `peers` are the last heartbeats heard (local times), `listeningSince` when this subscription began. */
  echoed(peers: ReadonlyMap<string, number>, listeningSince: number): void {
    const now = performance.now();
    this.expected = new Map();
    for (const [peer, heard] of peers) {
      if (heard + this.leaseMs > now && !this.acked.has(peer)) this.expected.set(peer, heard + this.leaseMs);
    }
    this.unknownUntil = listeningSince + this.leaseMs;
    this.check();
  }

  ack(peer: string): void {
    this.acked.add(peer);
    if (this.expected?.delete(peer)) this.check();
  }

  cancel(): void {
    clearTimeout(this.timer);
    this.resolve();
  }

  private check(): void {
    const now = performance.now();
    let until = this.unknownUntil;
    if (this.expected === undefined) until = Infinity;
    else for (const deadline of this.expected.values()) if (deadline > until) until = deadline;
    until = Math.min(until, this.last);
    clearTimeout(this.timer);
    if (until <= now) return this.cancel();
    if (until !== Infinity) this.timer = setTimeout(() => this.check(), until - now + 1);
  }
}
