// Optional bearer-token auth with one or more API keys. The presented token and every key are
// hashed first, so timingSafeEqual always compares two 32-byte digests and neither a key's length
// nor its content leaks through timing; every key is compared (no early exit), so neither does
// which key matched.
import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/** The index of the key an Authorization header carries, or -1 (refused). */
export type KeyMatcher = (authorization: string | undefined) => number;

export function normalizeApiKeys(apiKey: string | string[] | undefined): string[] {
  const keys = apiKey === undefined ? [] : [apiKey].flat();
  if (keys.some((k) => typeof k !== 'string' || k.trim() === '')) throw new TypeError('an API key must be a non-empty string');
  return keys;
}

/** With no keys every request is let in (index 0). */
export function bearerChecker(apiKey: string | string[] | undefined): KeyMatcher {
  const wants = normalizeApiKeys(apiKey).map((k) => digest(k.trim()));
  if (wants.length === 0) return () => 0;
  return (authorization) => {
    const m = /^Bearer\s+(.+)$/i.exec(authorization ?? '');
    const got = digest(m ? m[1].trim() : '');
    let found = -1;
    wants.forEach((want, i) => {
      if (timingSafeEqual(got, want) && found < 0) found = i;
    });
    return m === null ? -1 : found;
  };
}
