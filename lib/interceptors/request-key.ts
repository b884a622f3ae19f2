import type { IncomingHttpHeaders } from 'node:http';

/**
 * What identifies a request to a handler without `key`: its host (tenants on their own
 * hosts, `@Controller({ host })`, must never share entries), its path, its query string with
 * the parameters sorted (`?b=2&a=1` and `?a=1&b=2` are one entry), and the value of each
 * `vary` header. The parts are encoded canonically into the key by the handler's KeyBuilder.
 */
export function requestKeyParts(url: string, headers: IncomingHttpHeaders, vary: readonly string[]): unknown[] {
  const mark = url.indexOf('?');
  const path = mark === -1 ? url : url.slice(0, mark);
  const host = hostName(headers.host);
  if (mark === -1 && vary.length === 0) return [host, path];
  const parts: unknown[] = [host, path, mark === -1 ? '' : sortedQuery(url.slice(mark + 1))];
  for (const name of vary) parts.push(headerValue(headers, name));
  return parts;
}

/**
 * The query's parameters as sent, sorted by name. Nothing is decoded: platforms decode
 * malformed escapes differently, and two queries a handler can tell apart must never meet.
 * The sort is stable, so repeated parameters keep their order, which may matter.
 */
function sortedQuery(query: string): string {
  const params = query.split('&').filter((param) => param !== '');
  const name = (param: string) => {
    const equals = param.indexOf('=');
    return equals === -1 ? param : param.slice(0, equals);
  };
  return params.sort((a, b) => (name(a) < name(b) ? -1 : name(a) > name(b) ? 1 : 0)).join('&');
}

/**
 * The host name a request was sent to, lower-cased (names are case-insensitive) and without
 * the port: Nest matches `@Controller({ host })` on the name alone, and instances of one app
 * listening on different ports serve the same site. A missing Host (HTTP/1.0) is keyed as ''.
 */
function hostName(host: string | undefined): string {
  if (host === undefined) return '';
  const end = host.startsWith('[') ? host.indexOf(']') + 1 : host.lastIndexOf(':');
  return (end > 0 ? host.slice(0, end) : host).toLowerCase();
}

function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}
