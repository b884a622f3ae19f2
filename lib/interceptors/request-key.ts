import type { IncomingHttpHeaders } from 'node:http';
import { digestOf } from './credential-digest.js';
import { keyedParam, QUERY_DELIMITERS, queryStart } from './query-credentials.js';

/**
 * What identifies a request to a handler without `key`: its host (tenants on their own
 * hosts, `@Controller({ host })`, must never share entries), its path, its query string (after
 * `?`, or after a `#` before it, which Fastify reads as the query) with the parameters sorted
 * (`?b=2&a=1` and `?a=1&b=2` are one entry), and the value of each `vary` header.
 * Credentials, in `vary` headers or in query parameters named for them (`?access_token=`),
 * are held as digests. The parts are encoded canonically into the key by the handler's
 * KeyBuilder.
 *
 * `hostname` is the one the platform gives Nest to route `@Controller({ host })` by: behind
 * a trusted proxy it comes from `X-Forwarded-Host`, not `Host`, and every tenant shares one
 * `Host`, so keying by `Host` would serve one tenant's response to the next.
 */
export function requestKeyParts(
  url: string,
  hostname: string | undefined,
  headers: IncomingHttpHeaders,
  vary: readonly string[],
  variedCredentials: readonly string[] = [],
  delimiters = QUERY_DELIMITERS,
): unknown[] {
  const mark = queryStart(url, delimiters);
  // The path keeps a `#` or `;` that starts the query (Express reads none after a `#`): only a
  // path that ends in one had it, so `/a#b=1`, `/a;b=1`, `/a?b=1` and `/a?#b=1` never meet.
  const path = mark === -1 ? url : url.slice(0, url[mark] === '?' ? mark : mark + 1);
  const host = hostName(hostname);
  if (mark === -1 && vary.length === 0) return [host, path];
  const parts: unknown[] = [host, path, mark === -1 ? '' : sortedQuery(url.slice(mark + 1))];
  for (const value of varyValues(headers, vary, variedCredentials) ?? []) parts.push(value);
  return parts;
}

/** The most parameters Node's `querystring` and `qs` read by default: past it they drop the rest. */
const PARSER_LIMIT = 1000;
/** A name every parser reads as itself: nothing to decode (`%61`, `+`), nest (`a[b]`, `a.b`) or strip (`[a]`). */
const PLAIN_NAME = /^[A-Za-z0-9_-]*$/;

/**
 * The query's parameters as sent, sorted by name (stable: repeated names keep their order)
 * when sorting cannot change what a parser hands the handler: every name plain, and no more
 * parameters than a parser keeps. Otherwise the query as sent: a name that a parser decodes,
 * nests or strips may be read as another (`a`, `%61`, `[a]` and `a[]` can all be `a`), so
 * two orders would be one entry for two answers, and past a parser's limit the order decides
 * which parameters it drops. Nothing is decoded either: platforms decode malformed escapes
 * differently, and two queries a handler can tell apart must never meet. The values of
 * credential parameters are digests (`keyedParam`), which keeps them apart as well.
 */
function sortedQuery(query: string): string {
  const params = query.split('&').map(keyedParam);
  if (params.length > PARSER_LIMIT || !params.every((param) => PLAIN_NAME.test(nameOf(param)))) {
    return params.join('&');
  }
  const names = new Map(params.map((param) => [param, nameOf(param)]));
  return params
    .filter((param) => param !== '')
    .sort((a, b) => compare(names.get(a)!, names.get(b)!))
    .join('&');
}

function nameOf(param: string): string {
  const equals = param.indexOf('=');
  return equals === -1 ? param : param.slice(0, equals);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The host name a request was sent to, without the port: Nest matches `@Controller({ host })`
 * on the name alone, and instances of one app listening on different ports serve the same
 * site. Its case is kept: names are case-insensitive, but `@HostParam()` hands the handler the
 * name as sent, so `ACME.example.com` and `acme.example.com` can get two answers. A missing
 * Host (HTTP/1.0) is keyed as ''.
 */
function hostName(host: string | undefined): string {
  if (!host) return '';
  const end = host.startsWith('[') ? host.indexOf(']') + 1 : host.lastIndexOf(':');
  return end > 0 ? host.slice(0, end) : host;
}

/**
 * The values of the `vary` headers as keys hold them; undefined without `vary`. A credential
 * header's value (a bearer token, a session cookie, an API key) is held as a digest.
 */
export function varyValues(
  headers: IncomingHttpHeaders,
  vary: readonly string[],
  variedCredentials: readonly string[],
): Array<string | undefined> | undefined {
  if (vary.length === 0) return undefined;
  return vary.map((name) => {
    const value = headerValue(headers, name);
    return value !== undefined && variedCredentials.includes(name) ? digestOf(value) : value;
  });
}

/** A request header as keys hold it: repeated headers joined as one. */
function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}
