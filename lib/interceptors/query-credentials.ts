import { CREDENTIAL_QUERY_NAMES, CREDENTIAL_QUERY_WORDS } from '../cache-memoize.constants.js';
import { digestOf } from './credential-digest.js';

/** A whole credential name between any two characters that end a part of a nested name, or a credential word anywhere. */
const CREDENTIAL_NAME = new RegExp(
  `(?:^|[^a-z0-9])(?:${CREDENTIAL_QUERY_NAMES.join('|')})(?:$|[^a-z0-9])|${CREDENTIAL_QUERY_WORDS.join('|')}`,
);
/** A name with nothing a parser decodes: read as it is. */
const UNESCAPED_NAME = /^[^%+]*$/;
/** How many times a name is decoded: parsers decode once; more only makes more names credentials. */
const DECODE_PASSES = 3;
/** How many names' answers are remembered before starting over: an app's routes use a few dozen. */
const NAMES_MAX = 1_024;
/** Longer names are not remembered: a client chooses them, and the Map would keep them alive. */
const NAME_LENGTH_MAX = 64;
/** Whether each recently seen name is a credential's: the common request asks a Map, not the pattern. */
const seen = new Map<string, boolean>();

/**
 * One query parameter (`name=value`, as sent) as keys hold it: the value of a credential
 * parameter as a digest of the value as sent, anything else untouched. Only the value changes
 * and every value of such a name is digested, so two parameters a handler can tell apart still
 * never meet (`?token=a&token=b` holds two digests in that order), and a value that looks like
 * a digest is digested in turn.
 */
export function keyedParam(param: string): string {
  if (!isCredentialParam(param)) return param;
  const equals = param.indexOf('=');
  return `${param.slice(0, equals)}=${digestOf(param.slice(equals + 1))}`;
}

/** Whether `param` (`name=value`, as sent) gives a credential parameter a value. */
function isCredentialParam(param: string): boolean {
  const equals = param.indexOf('=');
  return equals !== -1 && equals !== param.length - 1 && isCredential(param.slice(0, equals));
}

/**
 * Whether the query string of `url` carries a credential (`/graphql?access_token=...`): a
 * resolver's key never holds the query, so such a request is one user's.
 */
export function carriesQueryCredential(url: string, delimiters: string): boolean {
  const start = queryStart(url, delimiters);
  if (start === -1) return false;
  return url
    .slice(start + 1)
    .split('&')
    .some((param) => isCredentialParam(param));
}

/**
 * The characters that start a URL's query as the platform's router reads it: `?`, and `#`,
 * which Fastify's router reads as `?` (`/a#token=x` hands the handler `{ token: 'x' }`; Express
 * drops it as a fragment); on Fastify with `useSemicolonDelimiter`, `;` as well.
 */
export function queryDelimiters(platform: unknown): string {
  const config = (platform as { initialConfig?: FastifyConfig } | undefined)?.initialConfig;
  // Fastify 5 reads it from `routerOptions`, or (deprecated) from the top level.
  const semicolons = config?.routerOptions?.useSemicolonDelimiter ?? config?.useSemicolonDelimiter;
  return semicolons === true ? `${QUERY_DELIMITERS};` : QUERY_DELIMITERS;
}

/** What starts a query on every platform (see queryDelimiters). */
export const QUERY_DELIMITERS = '?#';

interface FastifyConfig {
  useSemicolonDelimiter?: boolean;
  routerOptions?: { useSemicolonDelimiter?: boolean };
}

/** Where the query of `url` (as sent) starts: at the first of `delimiters`; -1 without one. */
export function queryStart(url: string, delimiters: string): number {
  let start = -1;
  for (const delimiter of delimiters) {
    const at = url.indexOf(delimiter);
    if (at !== -1 && (start === -1 || at < start)) start = at;
  }
  return start;
}

/** Whether `name` is a credential parameter's, remembered for short names. */
function isCredential(name: string): boolean {
  if (name.length > NAME_LENGTH_MAX) return isCredentialName(name);
  let credential = seen.get(name);
  if (credential === undefined) {
    credential = isCredentialName(name);
    if (seen.size >= NAMES_MAX) seen.clear();
    seen.set(name, credential);
  }
  return credential;
}

/**
 * Whether `name` may carry a credential however a parser reads it: `access%5Ftoken`,
 * `Access+Token` and `access%255Ftoken` all do. Escapes are decoded one byte at a time, so
 * a malformed one (`token%`) hides nothing either.
 */
function isCredentialName(name: string): boolean {
  let read = name;
  for (let pass = 0; pass < DECODE_PASSES && !UNESCAPED_NAME.test(read); pass++) {
    read = read
      .replace(/\+/g, ' ')
      .replace(/%([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  }
  // `-` and `_` join the words of one name (`api_key` is `apikey`) or end a name (`user_key` holds `key`).
  const lower = read.toLowerCase();
  return CREDENTIAL_NAME.test(lower) || CREDENTIAL_NAME.test(lower.replace(/[-_]/g, ''));
}
