/**
 * What a request's session holds, to tell whether the handler wrote into it. Session
 * middleware keeps the session on the request (express-session and cookie-session as
 * `req.session`, @fastify/session and @fastify/secure-session as `request.session`, Express
 * middleware on Fastify on `request.raw.session`) and its data in the session's own fields,
 * beside a `cookie` that describes the session cookie (its expiry may move on every request).
 *
 * A response computed while the handler wrote into the session is one client's: the session
 * is saved, and its cookie set, only as the response is written (after it was stored), and a
 * first-time visitor, who sends no cookie, is not personal by its request. A CSRF token put in
 * a new session and in the body would otherwise be replayed to the next new visitor.
 */
export interface SessionCarrier {
  session?: unknown;
  raw?: { session?: unknown };
}

/** What `sessionState` gives for a session JSON cannot write (a cycle, a BigInt): its data cannot be compared. */
export const UNREADABLE_SESSION = 'unreadable';

/** The session's data as a string to compare; undefined without a session. */
export function sessionState(request: SessionCarrier): string | undefined {
  const session = request.session ?? request.raw?.session;
  if (typeof session !== 'object' || session === null) return undefined;
  try {
    return JSON.stringify(session, (key, value: unknown) => (key === 'cookie' ? undefined : value));
  } catch {
    return UNREADABLE_SESSION;
  }
}

/** Whether the session changed between the two readings; one that cannot be read is taken as written. */
export function sessionWritten(before: string | undefined, after: string | undefined): boolean {
  return before !== after || before === UNREADABLE_SESSION;
}
