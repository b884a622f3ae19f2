import type { OutgoingHttpHeader, OutgoingHttpHeaders, ServerResponse } from 'node:http';

/** What went out with a response's status line, as far as a cookie is concerned. */
export interface WrittenHeaders {
  /** False when the connection closed before the headers were written. */
  written: boolean;
  /** Whether a `Set-Cookie` went out with them (or was passed to `writeHead` itself). */
  setCookie: boolean;
}

/** A response watched as it goes out: see watchHeaders. */
export interface WatchedResponse {
  /** Settles once the headers are written, or the response closed without them. */
  readonly headers: Promise<WrittenHeaders>;
  /** Lets the body go out: `end()` waits for this, so a client never sees a response before its store. */
  release(): void;
}

/**
 * Watches `response` as it is written. Session middleware adds its cookie only then:
 * express-session and cookie-session in a hook on `writeHead`, @fastify/session and
 * @fastify/secure-session in an `onSend` hook, which Fastify runs before it calls `writeHead`.
 * So a wrapper installed now, after the middleware, runs around theirs and sees what they set.
 * `hasCookie()` is asked after the write, where the reply (Fastify) or the response (Express)
 * holds the final headers.
 *
 * Until `release()`, `end()` is held: the status line and headers are formed but nothing
 * reaches the client, which thus never gets its response before the decision taken on it (to
 * store it or not) has taken effect, as when the response was stored before it went out.
 */
export function watchHeaders(response: object, hasCookie: () => boolean): WatchedResponse {
  const raw = (response as { raw?: ServerResponse }).raw ?? (response as ServerResponse);
  if (raw.headersSent) return settledWatch({ written: true, setCookie: hasCookie() });
  if (raw.destroyed) return settledWatch({ written: false, setCookie: false });
  let released = false;
  let held: (() => void) | undefined;
  const headers = new Promise<WrittenHeaders>((resolve) => {
    const writeHead = raw.writeHead;
    const closed = () => resolve({ written: false, setCookie: false });
    raw.once('close', closed);
    raw.writeHead = function (this: ServerResponse, ...args: unknown[]) {
      try {
        return (writeHead as (...a: unknown[]) => ServerResponse).apply(this, args);
      } finally {
        raw.removeListener('close', closed);
        resolve({ written: true, setCookie: passesCookie(args) || hasCookie() });
      }
    } as ServerResponse['writeHead'];
  });
  const end = raw.end;
  raw.end = function (this: ServerResponse, ...args: unknown[]) {
    const send = () => (end as (...a: unknown[]) => ServerResponse).apply(this, args);
    if (released) return send();
    // Express leaves the headers to end() (Node writes them implicitly there): write them
    // now, as Node would, so the decision can be taken while the body waits.
    if (!this.headersSent) this.writeHead(this.statusCode);
    held = send;
    return this;
  } as ServerResponse['end'];
  return {
    headers,
    release() {
      released = true;
      held?.();
      held = undefined;
    },
  };
}

function settledWatch(headers: WrittenHeaders): WatchedResponse {
  return { headers: Promise.resolve(headers), release: () => undefined };
}

/** `writeHead(status, [message], headers)`: headers as an object or a flat `[name, value, ...]` list. */
function passesCookie(args: unknown[]): boolean {
  const headers = args.find((arg) => typeof arg === 'object' && arg !== null) as
    OutgoingHttpHeaders | OutgoingHttpHeader[] | undefined;
  if (headers === undefined) return false;
  if (Array.isArray(headers)) {
    for (let i = 0; i < headers.length; i += 2) {
      if (String(headers[i]).toLowerCase() === 'set-cookie' && isSet(headers[i + 1])) return true;
    }
    return false;
  }
  return Object.keys(headers).some((name) => name.toLowerCase() === 'set-cookie' && isSet(headers[name]));
}

function isSet(value: unknown): boolean {
  return value !== undefined && value !== null && String(value) !== '';
}
