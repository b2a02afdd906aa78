/**
 * Which values survive keyv's default serializer (@keyv/serialize: JSON with Buffer support) unchanged, so that
 * acache refuses, rather than silently alters, what a shared store cannot hold.
 */

/**
 * Why `value` would not come back unchanged through keyv's default serializer (@keyv/serialize, JSON with Buffer
 * support), or undefined when it would. Dates and other objects with toJSON are stored as their JSON form (a Date
 * comes back as its ISO string); undefined object properties are dropped (reading them gives undefined either way).
 * Everything else that JSON would silently change (Map and Set become {}, NaN becomes null) is refused.
 */
export function unstorableAsJson(value: unknown, path: string, ancestors: Set<object>): string | undefined {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return undefined
    case 'number':
      return Number.isFinite(value) ? undefined : `${path} is ${value}, which JSON turns into null`
    case 'undefined':
      return `${path} is undefined inside an array, which JSON turns into null`
    case 'bigint':
      return `${path} is a bigint, which JSON cannot hold`
    case 'function':
    case 'symbol':
      return `${path} is a ${typeof value}`
  }
  if (value === null) return undefined
  const object = value as object
  const BufferClass = (globalThis as { Buffer?: { isBuffer(v: unknown): boolean } }).Buffer
  if (BufferClass?.isBuffer(object)) return undefined
  if (typeof (object as { toJSON?: unknown }).toJSON === 'function') return undefined
  if (ancestors.has(object)) return `${path} is a circular reference`
  ancestors.add(object)
  try {
    if (Array.isArray(object)) {
      for (let i = 0; i < object.length; i++) {
        const reason = unstorableAsJson(object[i], `${path}[${i}]`, ancestors)
        if (reason) return reason
      }
      return undefined
    }
    const prototype = Object.getPrototypeOf(object)
    if (prototype !== Object.prototype && prototype !== null) {
      const kind = (prototype as { constructor?: { name?: string } }).constructor?.name || 'class instance'
      return `${path} is a ${kind}, which JSON does not keep (Map and Set become {}, class instances lose their class)`
    }
    for (const [name, item] of Object.entries(object)) {
      if (item === undefined) continue
      const reason = unstorableAsJson(item, `${path}.${name}`, ancestors)
      if (reason) return reason
    }
    return undefined
  } finally {
    ancestors.delete(object)
  }
}
