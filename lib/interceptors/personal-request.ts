import type { IncomingHttpHeaders } from 'node:http';

/** A request as the per-user rule reads it, on Express, Fastify and behind a GraphQL context. */
export interface PersonalRequestFacts {
  headers: IncomingHttpHeaders;
  /** Set by an authentication guard (Passport and most others put the user here). */
  user?: unknown;
  /**
   * Fastify's request wraps Node's as `raw`, and that is the request Nest middleware is given:
   * a middleware that authenticates sets `user` there.
   */
  raw?: { user?: unknown };
}

/**
 * The credential headers split by whether a handler's key holds them (through `vary`): a
 * request carrying one it does not hold is personal to it; one it holds is keyed by a digest.
 */
export function credentialsOf(
  credentials: readonly string[],
  vary: readonly string[],
): { credentials: string[]; variedCredentials: string[] } {
  return {
    credentials: credentials.filter((name) => !vary.includes(name)),
    variedCredentials: vary.filter((name) => credentials.includes(name)),
  };
}

/**
 * Whether a response to `request` may belong to one user or tenant and the key cannot tell
 * them apart: it carries a credential header that is not in `vary`, or a guard or middleware
 * has authenticated it (`request.user`, or on Fastify `request.raw.user`), which only a `key`
 * can account for.
 */
export function isPersonal(request: PersonalRequestFacts, unvaried: readonly string[]): boolean {
  if (isUser(request.user) || isUser(request.raw?.user)) return true;
  const { headers } = request;
  for (const name of unvaried) {
    if (headers[name] !== undefined) return true;
  }
  return false;
}

function isUser(user: unknown): boolean {
  return user !== undefined && user !== null;
}
