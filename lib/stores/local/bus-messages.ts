/**
 * The messages of the invalidation bus, one line of text each, `<kind>|<sender>|...`.
 * Keys and mark names may hold `|`, so they come last, JSON-encoded.
 */
export type BusMessage =
  /** The sender's heartbeat, sent at `sentAt` on its own `performance.now()` (only its sender reads the time). */
  | { kind: 'h'; from: string; sentAt: number }
  /** An invalidation the sender waits to hear acknowledged: see `Invalidation`. */
  | { kind: 'i'; from: string; id: number; change: Invalidation }
  /** `from` applied invalidation `id` of `to`. */
  | { kind: 'a'; from: string; to: string; id: number }
  /** The sender is shutting down and serves no local copy any more: nobody waits for it. */
  | { kind: 'b'; from: string; sentAt: number }
  /** The sender stored a value computed from `created` under `key`: older copies go. Nobody acknowledges it. */
  | { kind: 's'; from: string; created: number; key: string };

export type Invalidation =
  /** One key was deleted. */
  | { key: string }
  /** Marks stamped `stamp` on the Redis clock. */
  | { marks: readonly string[]; stamp: number }
  /** A value computed from `created` replaced the entry under `key` (refresh). */
  | { key: string; created: number };

export const busMessages = {
  encode(message: BusMessage): string {
    switch (message.kind) {
      case 'h':
      case 'b':
        return `${message.kind}|${message.from}|${message.sentAt}`;
      case 'a':
        return `a|${message.from}|${message.to}|${message.id}`;
      case 's':
        return `s|${message.from}|${message.created}|${JSON.stringify(message.key)}`;
      case 'i':
        return `i|${message.from}|${message.id}|${JSON.stringify(message.change)}`;
    }
  },

  /**
   * The text of invalidation `id` of `from` for `marks`, split around its stamp, which Redis
   * issues as it publishes it: `before + stamp + after` is `encode` of that message.
   */
  markInvalidation(from: string, id: number, marks: readonly string[]): { before: string; after: string } {
    return { before: `i|${from}|${id}|{"marks":${JSON.stringify(marks)},"stamp":`, after: '}' };
  },

  /** `undefined` for anything this version does not know (another version's messages are ignored). */
  decode(text: string): BusMessage | undefined {
    const [kind, from, a, b] = text.split('|', 4);
    if (from === undefined || a === undefined) return undefined;
    const rest = () => text.slice(kind.length + from.length + a.length + 3);
    try {
      switch (kind) {
        case 'h':
        case 'b':
          return { kind, from, sentAt: Number(a) };
        case 'a':
          return b === undefined ? undefined : { kind, from, to: a, id: Number(b) };
        case 's':
          return { kind, from, created: Number(a), key: JSON.parse(rest()) as string };
        case 'i':
          return { kind, from, id: Number(a), change: JSON.parse(rest()) as Invalidation };
        default:
          return undefined;
      }
    } catch {
      return undefined;
    }
  },
};
