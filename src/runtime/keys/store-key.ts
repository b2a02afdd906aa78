/** Key fragments for shared stores (keyv, Redis): the function id and version as they appear in store keys. */
import { digest } from '../platform/hash.js'

/**
 * A key fragment safe in every store and in Redis SCAN patterns: ids are file paths and qualified names, which may
 * hold spaces, glob characters (`app/[slug]/page.ts`) or be long. Changed or long ids get a hash suffix, so two ids
 * never map to the same fragment.
 */
export function keyPart(text: string): string {
  const cleaned = text.replace(/[^A-Za-z0-9._/#@$-]/g, '_')
  if (cleaned === text && text.length <= 80) return text
  return `${cleaned.slice(0, 64)}~${digest(text, 10)}`
}
