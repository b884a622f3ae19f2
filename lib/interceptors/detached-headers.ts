import type { OutgoingHttpHeader, ServerResponse } from 'node:http';

type HeaderValue = OutgoingHttpHeader;

/**
 * A background refresh runs the handler again on the response of the hit that triggered it,
 * long after that response went out. Express writes headers straight to Node's response,
 * which throws once it is sent ("Cannot set headers after they are sent"), so a handler that
 * sets one through `@Res({ passthrough: true })` could never be refreshed. This gives the
 * sent response a header map of its own, seeded with what it sent, for the refresh to write
 * and the interceptor to read. Fastify keeps a reply's headers in the reply: nothing to do.
 */
export function detachSentHeaders(response: object): void {
  const raw = response as ServerResponse;
  if (typeof raw.setHeader !== 'function' || !raw.headersSent) return;
  const headers = new Map<string, HeaderValue>(Object.entries(raw.getHeaders()) as Array<[string, HeaderValue]>);
  const own = (value: Function) => ({ value, configurable: true, writable: true });
  Object.defineProperties(raw, {
    setHeader: own((name: string, value: HeaderValue) => (headers.set(name.toLowerCase(), value), raw)),
    appendHeader: own((name: string, value: HeaderValue) => {
      const before = headers.get(name.toLowerCase());
      const list = [before ?? [], value].flat().map(String);
      headers.set(name.toLowerCase(), before === undefined && !Array.isArray(value) ? String(value) : list);
      return raw;
    }),
    getHeader: own((name: string) => headers.get(name.toLowerCase())),
    getHeaders: own(() => Object.fromEntries(headers)),
    getHeaderNames: own(() => [...headers.keys()]),
    hasHeader: own((name: string) => headers.has(name.toLowerCase())),
    removeHeader: own((name: string) => void headers.delete(name.toLowerCase())),
  });
}
