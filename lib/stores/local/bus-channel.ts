import { type Cluster, Redis, type RedisOptions } from 'ioredis';
import { CLOSE_AT_ONCE, CONNECTION_NAME } from '../redis/redis-client.factory.js';
import { clearTimeout, setTimeout } from '../../utils/real-time.js';

/** What the channel tells the bus. */
export interface BusChannelListener {
  /** A message, in the order Redis sent them on this subscription. */
  message(text: string): void;
  /** A subscription is in place: from now on every message published reaches `message`. */
  subscribed(): void;
  /** The subscription is gone: messages published from now until the next `subscribed` are lost to this process. */
  lost(): void;
}

/** Between attempts to subscribe again. */
const RESUBSCRIBE_EVERY_MS = 250;

/**
 * One subscriber connection of this process to the bus channel of an alias, and
 * publishing on it through the alias's own client. On a single Redis: SUBSCRIBE/PUBLISH.
 * On a Cluster: sharded pub/sub (SSUBSCRIBE/SPUBLISH, Redis 7), the subscriber connected
 * to the master that owns the channel's slot, so every message of the channel passes one
 * node in one order. A lost subscription is never resumed silently (ioredis would
 * resubscribe by itself and hide the gap): the connection is dropped and a new one made,
 * and the bus learns of both.
 */
export class BusChannel {
  private subscriber: Redis | undefined;
  private retry: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly sharded: boolean;

  constructor(
    private readonly client: Redis | Cluster,
    readonly name: string,
    private readonly listener: BusChannelListener,
  ) {
    this.sharded = client.isCluster;
  }

  start(): void {
    if (this.closed) return;
    this.open().catch(() => this.lose());
  }

  /** The command that publishes on the channel, for a script that publishes itself. */
  get publishCommand(): 'PUBLISH' | 'SPUBLISH' {
    return this.sharded ? 'SPUBLISH' : 'PUBLISH';
  }

  publish(text: string): Promise<number> {
    return this.sharded
      ? ((this.client as Cluster).spublish(this.name, text) as Promise<number>)
      : this.client.publish(this.name, text);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retry);
    const subscriber = this.subscriber;
    this.subscriber = undefined;
    subscriber?.removeAllListeners();
    subscriber?.on('error', () => undefined);
    subscriber?.disconnect();
  }

  private async open(): Promise<void> {
    const subscriber = new Redis({ ...(await this.subscriberOptions()), lazyConnect: true });
    if (this.closed) return;
    this.subscriber = subscriber;
    subscriber.on('error', () => undefined);
    subscriber.on('close', () => this.subscriber === subscriber && this.lose());
    if (this.sharded) subscriber.on('smessage', (_channel: string, text: string) => this.listener.message(text));
    else subscriber.on('message', (_channel: string, text: string) => this.listener.message(text));
    await subscriber.connect();
    await (this.sharded ? subscriber.ssubscribe(this.name) : subscriber.subscribe(this.name));
    if (this.subscriber === subscriber) this.listener.subscribed();
  }

  /** Tells the bus, drops the connection, and tries again shortly (on a Cluster, at the slot's owner of then). */
  private lose(): void {
    const subscriber = this.subscriber;
    this.subscriber = undefined;
    this.listener.lost();
    if (subscriber) {
      subscriber.removeAllListeners();
      subscriber.on('error', () => undefined);
      subscriber.disconnect();
    }
    if (this.closed || this.retry) return;
    this.retry = setTimeout(() => {
      this.retry = undefined;
      this.start();
    }, RESUBSCRIBE_EVERY_MS);
    this.retry.unref();
  }

  /** The alias's connection options, pointed at the channel's node, without automatic reconnects or resubscribes. */
  private async subscriberOptions(): Promise<RedisOptions> {
    const own: RedisOptions = {
      connectionName: `${CONNECTION_NAME}:bus`,
      autoResubscribe: false,
      retryStrategy: () => null,
      maxRetriesPerRequest: 0,
      connectTimeout: 2_000,
      disconnectTimeout: CLOSE_AT_ONCE,
    };
    if (!this.sharded) return { ...(this.client as Redis).options, ...own };
    const cluster = this.client as Cluster;
    const slot = Number(await cluster.call('CLUSTER', 'KEYSLOT', this.name));
    const owner = cluster.slots[slot]?.[0];
    if (owner === undefined) throw new Error(`no node serves slot ${slot}`);
    const at = owner.lastIndexOf(':');
    return {
      ...cluster.options.redisOptions,
      ...own,
      host: owner.slice(0, at),
      port: Number(owner.slice(at + 1)),
    };
  }
}
