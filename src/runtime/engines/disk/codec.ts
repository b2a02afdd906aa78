/**
 * The envelope of a stored value, shared by the SQLite and file engines: a 64-byte header (magic, format, flags,
 * the entry's life, payload length, checks) and its tags, followed by `v8.serialize(value)`, optionally gzip- or
 * brotli-compressed, and any damaged entry turned into a {@link CorruptEntryError}. Which values can be stored at
 * all is storable.ts's question, asked before encoding. An entry of an older format is {@link OUTDATED}: a miss,
 * removed without a warning (it is not damaged, only from before an upgrade).
 *
 * Header layout (little-endian; times are ms since the epoch as float64, 0 = none):
 *   0  4  magic "TWCE"
 *   4  1  format version (2; format 1 had no life or tags)
 *   5  1  flags: bits 0-1 compression (0 none, 1 gzip, 2 brotli, 3 zstd), bit 2 promise result, bit 3 sampled check,
 *           bit 4 signed, bit 5 encrypted (see ../seal.ts)
 *   6  2  byte length of the tags block (the tags in UTF-8, joined by "\n"), which follows the header
 *   8  8  created
 *  16  8  fresh until
 *  24  8  stale until (served while one refresh runs)
 *  32  8  error until (served when a recomputation fails)
 *  40  8  expiry: when the entry may go (the end of its last window)
 *  48  8  payload length in bytes (float64: exact below 2^53)
 *  56  4  payload check: CRC-32 of the payload, or of 16 evenly spaced 4 KiB blocks of it when it is over 64 KiB
 *  60  4  header check: CRC-32 of bytes 0-59 and of the tags block
 *
 * A signed or encrypted entry has its seal block (HMAC, IV and GCM tag) between the tags and the payload; the
 * payload length and check are those of the stored (encrypted) payload. The seal covers the entry's identity,
 * bytes 0-55 and the tags, so its life, tags and flags cannot be changed either. The seal block itself is checked
 * by the seal, not by a CRC: damage there reads as tampering. Unsealed entries are exactly as before; a sealed
 * entry reads as damaged to a version of twat-cache from before sealing.
 *
 * Why a sampled check above 64 KiB: zlib.crc32 runs at about 3 GB/s here, which on a 1 MiB Float64Array costs
 * 70-85% of readFileSync + v8.deserialize (measured on Node 20.20; 2% for a 1 MiB object graph, 20% for a 1 MiB
 * string), far above the 10% budget. Checking 64 KiB of samples costs about 5% on the same payload. The payload
 * length is always exact, so truncation is always caught; structural damage is caught by v8.deserialize; gzip and
 * brotli reject damage when decompressing (gzip with its own CRC over everything). What can slip through is a
 * few garbled bytes inside an uncompressed payload over 64 KiB, outside the sampled blocks, in raw data (typed
 * array or string contents) that v8 cannot tell is wrong. The check is for accidents, not for attackers: anyone
 * who can write the cache folder can write a valid entry; `secure` folders and `secret` are the defences there.
 */
import type { CacheConfig, Compression } from '../../options/config.js'
import { DEFAULT_LEVELS } from '../../options/schema.js'
import { SerializationError, ValidationError } from '../../report/errors.js'
import { nodeBuiltin } from '../../platform/optional.js'
import { assertStorable } from './storable.js'
import { NO_SEAL, sealBlockBytes, type Sealer } from '../seal.js'

type Zlib = typeof import('node:zlib')
type V8 = typeof import('node:v8')

export const HEADER_BYTES = 64
const MAGIC = 0x45435754 // "TWCE" read as a little-endian uint32
const FORMAT_VERSION = 2
/** Tags take at most this many bytes in the header's 16-bit length field. */
const MAX_TAG_BYTES = 0xffff
const PROMISE_FLAG = 0b100
const SAMPLED_FLAG = 0b1000
/** The seal flags (../seal.ts SIGNED, ENCRYPTED) sit at bits 4-5. */
const SEAL_SHIFT = 4
/** Header bytes the seal covers: everything before the two checks (the payload check is of the sealed payload). */
const SEALED_HEADER_BYTES = 56
const COMPRESSION_CODES = { none: 0, gzip: 1, brotli: 2, zstd: 3 } as const
/** Payloads up to this size are checked whole. */
const FULL_CHECK_LIMIT = 64 * 1024
const SAMPLE_BLOCKS = 16
const SAMPLE_BYTES = 4096

// The default levels are fast ones, since a cache compresses on the call path (figures: bench/README.md,
// "Compression"); they and the allowed ranges are option rules, in options/schema.ts.
export { DEFAULT_LEVELS } from '../../options/schema.js'

/** A stored entry that is truncated, garbled, tampered with, or of an unknown format: the engines treat it as a miss and remove it. */
export class CorruptEntryError extends Error {
  constructor(reason: string) {
    super(`damaged cache entry (${reason})`)
    this.name = 'CorruptEntryError'
  }
}

/** What {@link Codec.decode} returns for an entry whose time is up. */
export const EXPIRED: unique symbol = Symbol('twat-cache.expired')
/** What {@link Codec.decode} returns for an intact entry of an older format: a miss, to be replaced. */
export const OUTDATED: unique symbol = Symbol('twat-cache.outdated')

/** An entry's life and tags, as stored with its value. */
export interface EntryLife {
  readonly promise: boolean
  readonly created: number
  readonly freshUntil: number
  readonly staleUntil: number
  readonly errorUntil: number
  readonly tags: readonly string[]
}

export interface DecodedEntry extends EntryLife {
  readonly value: unknown
  readonly expires: number
}

/** An encoded entry, as its two parts (so the file engine can write them without joining them). */
export interface EncodedEntry {
  readonly header: Buffer
  readonly payload: Buffer
  readonly size: number
  readonly expires: number
  readonly tags: readonly string[]
}

export interface Codec {
  readonly compression: Compression | false
  /**
   * Encode `value` with its life, for the entry of key text `key`; `expires` (ms, 0 for never) is when it may go.
   * @throws SerializationError
   */
  encode(value: unknown, life: EntryLife, expires: number, key?: string): EncodedEntry
  /**
   * Decode a whole entry of key text `key`; EXPIRED when `now` is past its expiry, OUTDATED for an older format.
   * @throws CorruptEntryError, or TamperedEntryError (../seal.ts) when its seal does not check out
   */
  decode(bytes: Uint8Array, now: number, key?: string): DecodedEntry | typeof EXPIRED | typeof OUTDATED
}

function builtin<T>(id: string): T {
  const module = nodeBuiltin<T>(id)
  if (!module) throw new Error(`${id} is not available in this runtime`)
  return module
}

/** The compression level to use; ValidationError for a compression this Node lacks or a level out of range. */
function compressionLevel(zlib: Zlib, config: Pick<CacheConfig, 'compress' | 'compressLevel'>): number {
  const compression = config.compress
  if (compression === 'zstd' && typeof (zlib as { zstdCompressSync?: unknown }).zstdCompressSync !== 'function') {
    throw new ValidationError(
      'compress',
      'zstd',
      `zstd needs node:zlib zstd support (Node.js 22.15 or 23.8 and later); this is Node.js ${process.versions.node}: ` +
        'use compress: "gzip" (or true) or "brotli"',
    )
  }
  if (!compression) return 0
  // The level's range for the algorithm was checked with the other options (options/schema.ts).
  return config.compressLevel ?? DEFAULT_LEVELS[compression]
}

/** The payload check of the header: a CRC-32 of the whole payload, or of evenly spaced blocks of a large one. */
function payloadCheck(crc32: (data: Uint8Array, value?: number) => number, payload: Uint8Array): number {
  const length = payload.length
  if (length <= FULL_CHECK_LIMIT) return crc32(payload)
  let crc = 0
  const step = (length - SAMPLE_BYTES) / (SAMPLE_BLOCKS - 1)
  for (let i = 0; i < SAMPLE_BLOCKS; i++) {
    const start = Math.floor(i * step)
    crc = crc32(payload.subarray(start, start + SAMPLE_BYTES), crc)
  }
  return crc
}

/**
 * The codec for a cache's options, sealing entries with `sealer` (signing, encryption: ../seal.ts). Throws
 * ValidationError, at cache creation, for a compression this Node lacks (zstd before Node 22.15) or a level out of
 * range.
 */
export function createCodec(config: Pick<CacheConfig, 'compress' | 'compressLevel'>, sealer: Sealer = NO_SEAL): Codec {
  const zlib = builtin<Zlib>('node:zlib')
  const v8 = builtin<V8>('node:v8')
  const compression = config.compress
  const level = compressionLevel(zlib, config)
  const crc32 = zlib.crc32.bind(zlib)
  const compress = compressor(zlib, compression, level)
  const decompress = decompressor(zlib, compression)
  const compressionCode = COMPRESSION_CODES[compression || 'none']
  const sealFlags = sealer.flags
  const blockBytes = sealBlockBytes(sealFlags)

  return {
    compression,
    encode(value, life, expires, key = '') {
      assertStorable(value)
      let payload: Buffer
      try {
        payload = v8.serialize(value)
      } catch (error) {
        // Anything v8 refuses that the walk above let through (a WeakMap, a SharedArrayBuffer…).
        throw new SerializationError(`the result cannot be stored on disk: ${(error as Error).message}`, { cause: error })
      }
      if (compress) payload = compress(payload)
      const tags = Buffer.from(life.tags.join('\n'), 'utf8')
      if (tags.length > MAX_TAG_BYTES) {
        throw new SerializationError(`the entry's tags take ${tags.length} bytes, more than the ${MAX_TAG_BYTES} a disk entry holds`)
      }
      // The header buffer holds the tags and the seal block too: the file engine writes it and the payload as is.
      const header = Buffer.alloc(HEADER_BYTES + tags.length + blockBytes)
      const sampled = payload.length > FULL_CHECK_LIMIT
      header.writeUInt32LE(MAGIC, 0)
      header[4] = FORMAT_VERSION
      header[5] = compressionCode | (life.promise ? PROMISE_FLAG : 0) | (sampled ? SAMPLED_FLAG : 0) | (sealFlags << SEAL_SHIFT)
      header.writeUInt16LE(tags.length, 6)
      header.writeDoubleLE(life.created, 8)
      header.writeDoubleLE(life.freshUntil, 16)
      header.writeDoubleLE(life.staleUntil, 24)
      header.writeDoubleLE(life.errorUntil, 32)
      header.writeDoubleLE(expires, 40)
      header.writeDoubleLE(payload.length, 48) // AES-GCM keeps the length
      tags.copy(header, HEADER_BYTES)
      const tagsEnd = HEADER_BYTES + tags.length
      if (sealFlags) {
        const sealed = sealer.seal(key, [header.subarray(0, SEALED_HEADER_BYTES), header.subarray(HEADER_BYTES, tagsEnd)], payload)
        sealed.block.copy(header, tagsEnd)
        payload = sealed.payload
      }
      header.writeUInt32LE(payloadCheck(crc32, payload), 56)
      header.writeUInt32LE(crc32(header.subarray(HEADER_BYTES, tagsEnd), crc32(header.subarray(0, 60))), 60)
      return { header, payload, size: header.length + payload.length, expires, tags: life.tags }
    },
    decode(bytes, now, key = '') {
      const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length)
      if (view.length >= 8 && view.readUInt32LE(0) === MAGIC && view[4]! < FORMAT_VERSION) return OUTDATED
      if (bytes.length < HEADER_BYTES) throw new CorruptEntryError(`${bytes.length} bytes, shorter than its header`)
      if (view.readUInt32LE(0) !== MAGIC) throw new CorruptEntryError('not a twat-cache entry')
      const tagBytes = view.readUInt16LE(6)
      const headerEnd = HEADER_BYTES + tagBytes
      if (
        headerEnd > bytes.length ||
        view.readUInt32LE(60) !== crc32(view.subarray(HEADER_BYTES, headerEnd), crc32(view.subarray(0, 60)))
      ) {
        throw new CorruptEntryError('header check failed')
      }
      if (view[4] !== FORMAT_VERSION) throw new CorruptEntryError(`unknown format ${view[4]}`)
      const flags = view[5]!
      const entrySeal = flags >> SEAL_SHIFT
      const payloadStart = headerEnd + sealBlockBytes(entrySeal)
      const expires = view.readDoubleLE(40)
      const length = view.readDoubleLE(48)
      if (length !== bytes.length - payloadStart) {
        throw new CorruptEntryError(`payload is ${bytes.length - payloadStart} bytes, its header says ${length}`)
      }
      if (expires !== 0 && expires <= now) return EXPIRED
      let payload = view.subarray(payloadStart)
      if (view.readUInt32LE(56) !== payloadCheck(crc32, payload)) throw new CorruptEntryError('payload check failed')
      if (entrySeal | sealFlags) {
        const context = [view.subarray(0, SEALED_HEADER_BYTES), view.subarray(HEADER_BYTES, headerEnd)]
        payload = sealer.open(key, context, entrySeal, view.subarray(headerEnd, payloadStart), payload)
      }
      const code = flags & 0b11
      if (code !== compressionCode) {
        // Written by a cache with another `compress` option (same folder, another process): still readable.
        const other = decompressor(zlib, (['none', 'gzip', 'brotli', 'zstd'] as const)[code]!)
        if (other) payload = decode(() => other(payload), 'decompression failed')
      } else if (decompress) {
        payload = decode(() => decompress(payload), 'decompression failed')
      }
      const value = decode(() => v8.deserialize(payload), 'v8.deserialize failed')
      const tagText = tagBytes ? view.toString('utf8', HEADER_BYTES, headerEnd) : ''
      return {
        value,
        promise: (flags & PROMISE_FLAG) !== 0,
        created: view.readDoubleLE(8),
        freshUntil: view.readDoubleLE(16),
        staleUntil: view.readDoubleLE(24),
        errorUntil: view.readDoubleLE(32),
        tags: tagText ? tagText.split('\n') : NO_TAGS,
        expires,
      }
    },
  }
}

function decode<T>(step: () => T, reason: string): T {
  try {
    return step()
  } catch (error) {
    throw new CorruptEntryError(`${reason}: ${(error as Error).message}`)
  }
}

function compressor(zlib: Zlib, compression: Compression | false, level: number): ((data: Buffer) => Buffer) | undefined {
  if (compression === 'gzip') return (data) => zlib.gzipSync(data, { level })
  if (compression === 'brotli') {
    return (data) =>
      zlib.brotliCompressSync(data, {
        params: {
          [zlib.constants.BROTLI_PARAM_QUALITY]: level,
          [zlib.constants.BROTLI_PARAM_SIZE_HINT]: data.length,
        },
      })
  }
  if (compression === 'zstd') {
    // Node 22.15+/23.8+ only (checked in createCodec); typed loosely because @types/node 20 does not declare it.
    const z = zlib as unknown as { zstdCompressSync(d: Buffer, o: object): Buffer; constants: Record<string, number> }
    return (data) => z.zstdCompressSync(data, { params: { [z.constants.ZSTD_c_compressionLevel!]: level } })
  }
  return undefined
}

function decompressor(zlib: Zlib, compression: Compression | 'none' | false): ((data: Buffer) => Buffer) | undefined {
  if (compression === 'gzip') return (data) => zlib.gunzipSync(data)
  if (compression === 'brotli') return (data) => zlib.brotliDecompressSync(data)
  if (compression === 'zstd') {
    const z = zlib as unknown as { zstdDecompressSync?: (d: Buffer) => Buffer }
    if (!z.zstdDecompressSync)
      return () => {
        throw new Error('this Node.js has no zstd')
      }
    return (data) => z.zstdDecompressSync!(data)
  }
  return undefined
}

const NO_TAGS: readonly string[] = Object.freeze([])

/** What the header of a stored entry says, read without its payload (by `twat-cache stats` and `prune`). */
export interface EntryHeader {
  /** Expiry time in ms since the epoch; 0 = never. */
  readonly expires: number
  /** Bytes of the payload that follows the header and its tags. */
  readonly payloadBytes: number
}

/**
 * Read the fixed {@link HEADER_BYTES} of an entry: its expiry and payload length, or undefined when they are not the
 * start of an entry of this format (too short, another magic, an older or unknown format). The header check also
 * covers the tags that follow, so it is verified here only for an entry without tags.
 */
export function readEntryHeader(header: Uint8Array): EntryHeader | undefined {
  if (header.length < HEADER_BYTES) return undefined
  const zlib = builtin<Zlib>('node:zlib')
  const view = Buffer.from(header.buffer, header.byteOffset, HEADER_BYTES)
  if (view.readUInt32LE(0) !== MAGIC || view[4] !== FORMAT_VERSION) return undefined
  if (view.readUInt16LE(6) === 0 && view.readUInt32LE(60) !== zlib.crc32(view.subarray(0, 60))) return undefined
  return { expires: view.readDoubleLE(40), payloadBytes: view.readDoubleLE(48) }
}

/** Bytes of the tags block that follows the fixed header (read from the header's length field), or undefined. */
export function entryTagBytes(header: Uint8Array): number | undefined {
  if (header.length < HEADER_BYTES) return undefined
  const view = Buffer.from(header.buffer, header.byteOffset, HEADER_BYTES)
  if (view.readUInt32LE(0) !== MAGIC || view[4] !== FORMAT_VERSION) return undefined
  return view.readUInt16LE(6)
}

/**
 * The tags of a stored entry, from its header and the tags block after it (`entryTagBytes` says how long), with the
 * header check verified; undefined when they are not the start of an intact entry of this format (by `twat-cache
 * clear --tag`).
 */
export function readEntryTags(headerAndTags: Uint8Array): readonly string[] | undefined {
  const tagBytes = entryTagBytes(headerAndTags)
  if (tagBytes === undefined || headerAndTags.length < HEADER_BYTES + tagBytes) return undefined
  const zlib = builtin<Zlib>('node:zlib')
  const view = Buffer.from(headerAndTags.buffer, headerAndTags.byteOffset, HEADER_BYTES + tagBytes)
  if (view.readUInt32LE(60) !== zlib.crc32(view.subarray(HEADER_BYTES), zlib.crc32(view.subarray(0, 60)))) return undefined
  return tagBytes ? view.toString('utf8', HEADER_BYTES).split('\n') : NO_TAGS
}

/** Join an encoded entry into one buffer (for a SQLite BLOB). */
export function joinEntry(entry: EncodedEntry): Buffer {
  return Buffer.concat([entry.header, entry.payload], entry.size)
}
