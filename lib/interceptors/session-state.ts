import type { IncomingHttpHeaders } from 'node:http';

/**
 * What a request's session holds, to tell whether its response is one visitor's. Session
 * middleware keeps the session on the request (express-session and cookie-session as
 * `req.session`, @fastify/session and @fastify/secure-session as `request.session`, Express
 * middleware on Fastify on `request.raw.session`) and its data in the session's own fields,
 * beside a `cookie` that describes the session cookie (its expiry may move on every request).
 *
 * Middleware saves the session, and sets its cookie, only as the response is written, after
 * the response was stored; and a first-time visitor, who sends no cookie, is not personal by
 * its request. A CSRF token put in a new session and in the body would otherwise be replayed
 * to the next new visitor.
 */
export interface SessionCarrier {
  headers: IncomingHttpHeaders;
  session?: unknown;
  raw?: { session?: unknown };
}

/** What `sessionState` gives for a session JSON cannot write (a cycle, a BigInt): its data cannot be compared. */
export const UNREADABLE_SESSION = 'unreadable';
const EMPTY_SESSION = '{}';

/** Whether the request carries a session at all: without one there is nothing to read. */
export function hasSession(request: SessionCarrier): boolean {
  return sessionOf(request) !== undefined;
}

/** The session's data as a string to compare (its `cookie` field left out); undefined without a session. */
export function sessionState(request: SessionCarrier): string | undefined {
  const session = sessionOf(request);
  if (session === undefined) return undefined;
  try {
    return JSON.stringify(session, function (this: unknown, key: string, value: unknown) {
      return this === session && key === 'cookie' ? undefined : value;
    });
  } catch {
    return UNREADABLE_SESSION;
  }
}

/**
 * Whether a response computed for `request` may hold what its session holds for it alone:
 * the session changed since `before` (read just before the computation), or the request came
 * without a cookie, so no session was loaded and whatever the session holds was written for
 * this request (by middleware, a guard, a pipe or the handler). A session that cannot be read
 * counts as written.
 */
export function wroteSession(request: SessionCarrier, before: string | undefined): boolean {
  const after = sessionState(request);
  if (after === undefined) return false;
  if (after === UNREADABLE_SESSION || after !== before) return true;
  return request.headers.cookie === undefined && after !== EMPTY_SESSION;
}

function sessionOf(request: SessionCarrier): object | undefined {
  const session = request.session ?? request.raw?.session;
  return typeof session === 'object' && session !== null ? session : undefined;
}
