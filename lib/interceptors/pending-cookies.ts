/** What @fastify/cookie names the Map it keeps a reply's cookies in (its symbol is not exported). */
const FASTIFY_COOKIES = 'fastify.reply.setCookies';

/**
 * Whether the handler set a cookie that the platform has not written yet. @fastify/cookie's
 * `reply.setCookie()` (and `clearCookie()`) only record it, and the `Set-Cookie` header is
 * written in an `onSend` hook, after the response has been stored: reading the header alone,
 * one user's login response would be kept and replayed to the next client.
 */
export function hasPendingCookies(response: object): boolean {
  for (const symbol of Object.getOwnPropertySymbols(response)) {
    if (symbol.description !== FASTIFY_COOKIES) continue;
    const cookies = (response as Record<symbol, unknown>)[symbol];
    return cookies instanceof Map && cookies.size > 0;
  }
  return false;
}
