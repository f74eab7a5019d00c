// Optional bearer-token auth. Both sides are hashed first, so timingSafeEqual always compares two
// 32-byte digests and neither the key's length nor its content leaks through timing.
import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

export function bearerChecker(apiKey: string | undefined): (authorization: string | undefined) => boolean {
  if (!apiKey) return () => true;
  const want = digest(apiKey);
  return (authorization) => {
    const m = /^Bearer\s+(.+)$/i.exec(authorization ?? '');
    return timingSafeEqual(digest(m ? m[1].trim() : ''), want) && m !== null;
  };
}
