/**
 * Signing and encryption of the entries that leave the process (`secret`, `encryptionKey`), written once for every
 * store that keeps them: the disk envelope (codec.ts: SQLite rows and entry files) and acache's keyv boxes (Redis,
 * memcached, any keyv store). The codec's CRCs catch accidents; this catches someone who can write the store.
 *
 * - `secret`: HMAC-SHA256 over the entry's identity (function id, version, key), the authenticated context the
 *   store gives (the envelope's header and tags), the encryption block if any, and the payload.
 * - `encryptionKey`: AES-256-GCM over the payload, a fresh random 96-bit IV per entry, the identity and context as
 *   associated data, so an entry moved to another key or function fails to open.
 *
 * Both take one key or a list (rotation): the first seals, every one is tried when opening (key formats:
 * options/secrets.ts). Key material is used through HKDF-SHA256 with a label per use, so one value may serve as both without reusing a key. Entries that
 * fail to open (rewritten, another key, or written without the key this cache requires) raise
 * {@link TamperedEntryError}: the engines turn it into a miss, remove the entry, count and warn.
 *
 * The sealed block sits before the payload: [HMAC 32 bytes, when signed][IV 12 + GCM tag 16, when encrypted].
 * No package does this small framing over node:crypto, so it is written here.
 */
import { encryptionKeyFromEnv, secretFromEnv } from '../options/environment.js'
import { keyList, keysFromEnv, type KeyInput } from '../options/secrets.js'
import { audit } from '../report/audit.js'
import { Redacted, ValidationError } from '../report/errors.js'
import type { CacheCounters } from '../report/stats.js'
import { WarningCode, warnOnce } from '../report/warnings.js'
import { nodeBuiltin } from '../platform/optional.js'

type Crypto = typeof import('node:crypto')

/** Flags of a sealed entry (the envelope keeps them in its flags byte, shifted; keyv boxes in their first byte). */
export const SIGNED = 0b01
export const ENCRYPTED = 0b10
const MAC_BYTES = 32
const IV_BYTES = 12
const GCM_TAG_BYTES = 16

/** An entry whose signature or encryption does not check out with this cache's keys: a miss, removed. */
export class TamperedEntryError extends Error {
  constructor(readonly reason: string) {
    super(reason)
    this.name = 'TamperedEntryError'
  }
}

/** Bytes of the sealed block for `flags`. */
export function sealBlockBytes(flags: number): number {
  return (flags & SIGNED ? MAC_BYTES : 0) + (flags & ENCRYPTED ? IV_BYTES + GCM_TAG_BYTES : 0)
}

/** What a persistent or shared store needs: seal on write, open on read. */
export interface Sealer {
  /** What this sealer writes: SIGNED, ENCRYPTED, both, or 0 (entries as they are). */
  readonly flags: number
  /**
   * Seal `payload` under `key` (the entry's key text); `context` is authenticated, not encrypted. Returns the
   * block to store before the payload and the payload to store (the ciphertext when encrypting).
   */
  seal(key: string, context: readonly Uint8Array[], payload: Buffer): { block: Buffer; payload: Buffer }
  /**
   * The stored payload's plaintext, after checking it was sealed by one of this cache's keys.
   * @throws TamperedEntryError
   */
  open(key: string, context: readonly Uint8Array[], flags: number, block: Uint8Array, payload: Buffer): Buffer
}

/** The sealer of a cache without keys: entries as they are; an encrypted one cannot be read. */
export const NO_SEAL: Sealer = {
  flags: 0,
  seal: (_key, _context, payload) => ({ block: EMPTY, payload }),
  open(_key, _context, flags, _block, payload) {
    // A signature without a secret to check it adds nothing here, but an encrypted payload cannot be read.
    if (flags & ENCRYPTED)
      throw new TamperedEntryError('it is encrypted and this cache has no encryptionKey (or TWAT_CACHE_ENCRYPTION_KEY)')
    return payload
  },
}
const EMPTY = new Uint8Array(0) as Buffer

export interface SealOptions {
  readonly secret?: KeyInput | undefined
  readonly encryptionKey?: KeyInput | undefined
}

/**
 * The sealer of one function's entries (`id`, `version`), from the options or else $TWAT_CACHE_SECRET and
 * $TWAT_CACHE_ENCRYPTION_KEY; one that seals nothing when neither is set.
 * @throws ValidationError for a bad key in an environment variable, or when this runtime has no node:crypto.
 */
export function createSealer(options: SealOptions, id: string, version: string): Sealer {
  const secret = options.secret ?? keysFromEnv(secretFromEnv(), 'TWAT_CACHE_SECRET', 'secret')
  const encryptionKey = options.encryptionKey ?? keysFromEnv(encryptionKeyFromEnv(), 'TWAT_CACHE_ENCRYPTION_KEY', 'encryptionKey')
  if (secret === undefined && encryptionKey === undefined) return NO_SEAL
  const loaded = nodeBuiltin<Crypto>('node:crypto')
  if (!loaded) {
    throw new ValidationError(
      secret !== undefined ? 'secret' : 'encryptionKey',
      new Redacted('<a key>'),
      'signing and encryption need node:crypto, which this runtime lacks',
    )
  }
  const crypto = loaded
  // The function id and version are bound into the keys (HKDF info), so each entry only adds its key text: one
  // fewer native call per hit, which is where a small HMAC's time goes.
  const scope = `\0${JSON.stringify([id, version])}`
  const derive = (material: Uint8Array, label: string) => Buffer.from(crypto.hkdfSync('sha256', material, 'twat-cache', label + scope, 32))
  const macKeys = secret === undefined ? [] : keyList(secret).map((k) => derive(k, 'entry signature v1'))
  const aesKeys = encryptionKey === undefined ? [] : keyList(encryptionKey).map((k) => derive(k, 'entry encryption v1'))
  const flags = (macKeys.length ? SIGNED : 0) | (aesKeys.length ? ENCRYPTED : 0)
  // The key text as a JSON string: self-delimiting (it cannot run into the context that follows) and injective
  // (lone surrogates are escaped, where UTF-8 would turn them all into U+FFFD).
  const identity = (key: string) => JSON.stringify(key)

  function mac(macKey: Buffer, who: string, context: readonly Uint8Array[], gcm: Uint8Array, payload: Uint8Array): Buffer {
    const hmac = crypto.createHmac('sha256', macKey).update(who)
    for (const part of context) if (part.length) hmac.update(part)
    if (gcm.length) hmac.update(gcm)
    return hmac.update(payload).digest()
  }

  function additionalData(who: string, context: readonly Uint8Array[]): Buffer {
    return Buffer.concat([Buffer.from(who, 'utf8'), ...context])
  }

  return {
    flags,
    seal(key, context, payload) {
      const who = identity(key)
      let gcm: Buffer = EMPTY
      if (aesKeys.length) {
        const iv = crypto.randomBytes(IV_BYTES)
        const cipher = crypto.createCipheriv('aes-256-gcm', aesKeys[0]!, iv)
        cipher.setAAD(additionalData(who, context))
        payload = Buffer.concat([cipher.update(payload), cipher.final()])
        gcm = Buffer.concat([iv, cipher.getAuthTag()])
      }
      if (!macKeys.length) return { block: gcm, payload }
      const signature = mac(macKeys[0]!, who, context, gcm, payload)
      return { block: gcm.length ? Buffer.concat([signature, gcm]) : signature, payload }
    },
    open(key, context, stored, block, payload) {
      if (stored & ~(SIGNED | ENCRYPTED)) throw new TamperedEntryError('it has unknown seal flags')
      const missing = flags & ~stored
      if (missing & SIGNED) throw new TamperedEntryError('it is not signed, and this cache requires a signature (secret)')
      if (missing & ENCRYPTED) throw new TamperedEntryError('it is not encrypted, and this cache requires encryption (encryptionKey)')
      const who = identity(key)
      const gcm = stored & SIGNED ? block.subarray(MAC_BYTES) : block
      if (macKeys.length) {
        const signature = block.subarray(0, MAC_BYTES)
        if (!macKeys.some((k) => crypto.timingSafeEqual(mac(k, who, context, gcm, payload), signature))) {
          throw new TamperedEntryError('its signature does not match any of the configured secrets')
        }
      }
      if (!(stored & ENCRYPTED)) return payload
      if (!aesKeys.length)
        throw new TamperedEntryError('it is encrypted and this cache has no encryptionKey (or TWAT_CACHE_ENCRYPTION_KEY)')
      const iv = gcm.subarray(0, IV_BYTES)
      const tag = gcm.subarray(IV_BYTES, IV_BYTES + GCM_TAG_BYTES)
      const aad = additionalData(who, context)
      for (const aesKey of aesKeys) {
        try {
          const decipher = crypto.createDecipheriv('aes-256-gcm', aesKey, iv)
          decipher.setAAD(aad)
          decipher.setAuthTag(tag)
          const plain = decipher.update(payload)
          decipher.final() // checks the tag; GCM returns nothing more here
          return plain
        } catch {
          // another key of the list, or none
        }
      }
      throw new TamperedEntryError('it does not decrypt with any of the configured encryption keys (another key, or rewritten)')
    },
  }
}

/**
 * An entry of cache `cache` in `where` (a database, a folder, a server) failed to open and was removed: counted in
 * stats().tampered, warned about once per store, and audited.
 */
export function reportTampered(counters: CacheCounters, cache: string, where: string, error: TamperedEntryError): void {
  counters.tampered++
  audit('tamper', cache, `${where}: ${error.reason}`)
  warnOnce(
    WarningCode.tampered,
    `An entry of ${cache} in ${where} was refused and removed: ${error.reason}. The call was recomputed. Entries ` +
      'written before secret or encryptionKey was set, or with another key, read this way once; otherwise someone ' +
      'who can write the store changed it.',
    `tampered:${where}`,
  )
}
