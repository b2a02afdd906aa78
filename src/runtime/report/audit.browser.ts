/**
 * The browser's stand-in for audit.ts (package.json "browser" swaps it in): no diagnostics channel and no file
 * there, so audit events go nowhere and a browser bundle holds no Node module name.
 */
export type { AuditEvent, AuditEventName } from './audit.js'

/** The name of the diagnostics channel audit events are published on (in Node). */
export const AUDIT_CHANNEL = 'twat-cache:audit'

/** Audit events go nowhere in a browser. */
export function audit(_event: string, _cache: string, _reason: string): void {}
