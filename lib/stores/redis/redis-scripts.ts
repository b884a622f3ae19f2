import type { Cluster, Redis } from 'ioredis';
import { entryScripts } from './lua/entry-scripts.js';
import { lockScripts } from './lua/lock-scripts.js';
import { stampScripts } from './lua/stamp-scripts.js';

/** A message published by the script that sets marks: `before`, the stamp, then `after`, on a channel in the marks' slot. */
export interface MarksAnnouncement {
  command: 'PUBLISH' | 'SPUBLISH';
  channel: string;
  before: string;
  after: string;
}

/** Every script of the Redis store and its locks (the Lua sources, and the rules they keep, are in lua/). */
const scripts = { ...entryScripts, ...stampScripts, ...lockScripts };

type Arg = string | number | Buffer;

/** The client with the scripts of lua/ defined on it. */
export interface ScriptedRedis {
  cacheMemoizeReadBuffer(numberOfKeys: number, ...keysThenArgs: string[]): Promise<Buffer | null>;
  cacheMemoizeStore(numberOfKeys: number, ...keysThenArgs: Arg[]): Promise<number>;
  cacheMemoizeAllow(numberOfKeys: number, ...keysThenArgs: Arg[]): Promise<string>;
  cacheMemoizeWritePending(key: string, created: string, entry: Buffer, ttlMs: number): Promise<number>;
  cacheMemoizeCommit(key: string, pendingHeader: string): Promise<number>;
  cacheMemoizeDropPending(key: string, pendingHeader: string): Promise<number>;
  cacheMemoizeDelete(key: string, clock: string, deleted: string, ttlMs: number): Promise<string>;
  cacheMemoizeIssueDelete(clock: string, deleted: string): Promise<string>;
  cacheMemoizeIssue(clock: string, deleted: string): Promise<string>;
  cacheMemoizeMark(numberOfKeys: number, ...keysThenArgs: string[]): Promise<string>;
  cacheMemoizeTime(clockKey: string): Promise<[string, string]>;
  cacheMemoizeLockExtend(lockKey: string, token: string, ttlMs: number): Promise<number>;
  cacheMemoizeLockRelease(lockKey: string, token: string): Promise<number>;
}

/** Defines the scripts on `client` (ioredis sends EVALSHA, and the source once on NOSCRIPT). */
export function defineScripts(client: Redis | Cluster): ScriptedRedis {
  for (const [name, definition] of Object.entries(scripts)) client.defineCommand(name, definition);
  return client as unknown as ScriptedRedis;
}
