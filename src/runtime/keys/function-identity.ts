/**
 * Who a cached function is, for persistent keys: its id (the `name` option, injected by the build step as
 * `path#qualified.name`, else the function's name) and version (injected hash of its source, else a hash of
 * `fn.toString()`), so editing a function invalidates its entries and two functions never share them.
 */
import { digest } from '../platform/hash.js'

export interface FunctionIdentity {
  readonly id: string
  readonly version: string
}

export function identify(fn: Function, name: string | undefined, version: string | undefined): FunctionIdentity {
  return {
    id: name ?? (fn.name || 'anonymous'),
    version: version ?? digest(fn.toString(), 12),
  }
}
