import type { IncomingHttpHeaders } from 'node:http';

/**
 * What identifies a request to a handler without `key`: its host (tenants on their own
 * hosts, `@Controller({ host })`, must never share entries), its path, its query string with
 * the parameters sorted (`?b=2&a=1` and `?a=1&b=2` are one entry), and the value of each
 * `vary` header. The parts are encoded canonically into the key by the handler's KeyBuilder.
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
): unknown[] {
  const mark = url.indexOf('?');
  const path = mark === -1 ? url : url.slice(0, mark);
  const host = hostName(hostname);
  if (mark === -1 && vary.length === 0) return [host, path];
  const parts: unknown[] = [host, path, mark === -1 ? '' : sortedQuery(url.slice(mark + 1))];
  for (const name of vary) parts.push(headerValue(headers, name));
  return parts;
}

/**
 * The query's parameters as sent, sorted by name. Nothing in the key is decoded: platforms
 * decode malformed escapes differently, and two queries a handler can tell apart must never
 * meet. The sort is stable and compares the names as a parser reads them (decoded, and up to
 * a `[`), so parameters that a parser merges into one value (`a`, `%61`, `a[]`) keep their
 * order, which the value shows: `?a=1&%61=2` and `?%61=2&a=1` are two entries.
 */
function sortedQuery(query: string): string {
  const params = query.split('&').filter((param) => param !== '');
  const names = new Map(params.map((param) => [param, parsedName(param)]));
  return params.sort((a, b) => compare(names.get(a)!, names.get(b)!)).join('&');
}

function parsedName(param: string): string {
  const equals = param.indexOf('=');
  const raw = (equals === -1 ? param : param.slice(0, equals)).replaceAll('+', ' ');
  let name = raw;
  try {
    name = decodeURIComponent(raw);
  } catch {
    // A malformed escape: each platform reads it its own way; the raw name is still one name.
  }
  const bracket = name.indexOf('[');
  return bracket > 0 ? name.slice(0, bracket) : name;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The host name a request was sent to, lower-cased (names are case-insensitive) and without
 * the port: Nest matches `@Controller({ host })` on the name alone, and instances of one app
 * listening on different ports serve the same site. A missing Host (HTTP/1.0) is keyed as ''.
 */
function hostName(host: string | undefined): string {
  if (!host) return '';
  const end = host.startsWith('[') ? host.indexOf(']') + 1 : host.lastIndexOf(':');
  return (end > 0 ? host.slice(0, end) : host).toLowerCase();
}

function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}
