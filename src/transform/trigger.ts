/**
 * Text that may hold a trigger: a cache tag or the runtime's package name. Files without it are returned untouched
 * without being parsed; bundler plugins use it as their code filter. In a module of its own so that a Next.js config
 * can read it without loading the TypeScript compiler.
 */
export const TRIGGER_TEXT: RegExp = /@(?:cache|mcache|bcache|fcache|acache|ucache)\b|twat-cache/
