/** Memory stores treat `undefined` as "absent", so a cached `undefined` is stored as this box. */
export const UNDEFINED_BOX: unique symbol = Symbol('twat-cache.undefined')
