import { createHash } from 'node:crypto';

/**
 * A credential as keys hold it: 128 bits of SHA-256, so distinct values never meet and the
 * value cannot be read back. Keys become Redis key names and appear in events and logs,
 * where a token would be a credential for whoever reads them.
 */
export function digestOf(value: string): string {
  return `sha256:${createHash('sha256').update(value).digest('base64url').slice(0, 22)}`;
}
