/** Run a snippet of ESM JavaScript in a child Node process and collect its output, for multi-process tests. */
import { spawn } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
/** The built runtime entry, as a file URL to import from child scripts. */
export const RUNTIME_URL = new URL('dist/runtime/index.js', `file://${REPO_ROOT}/`).href
const HIDE_PACKAGES = path.join(REPO_ROOT, 'test/support/hide-packages.cjs')

export interface ChildResult {
  code: number | null
  stdout: string
  stderr: string
}

export interface ChildOptions {
  env?: Record<string, string>
  /** Packages that must not resolve in the child (see hide-packages.cjs). */
  hide?: string[]
  /** Packages that resolve to another folder in the child, by name (see hide-packages.cjs). */
  replace?: Record<string, string>
  timeoutMs?: number
}

/** Run `source` (an ES module; may import RUNTIME_URL) with `node --input-type=module`. */
export function runChild(source: string, options: ChildOptions = {}): Promise<ChildResult> {
  const args = ['--input-type=module', '--no-warnings=ExperimentalWarning']
  if (options.hide?.length || options.replace) args.unshift('--require', HIDE_PACKAGES)
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      cwd: REPO_ROOT,
      env: {
        ...process.env,
        ...options.env,
        ...(options.hide ? { TWAT_HIDE_PACKAGES: options.hide.join(',') } : {}),
        ...(options.replace ? { TWAT_REPLACE_PACKAGES: JSON.stringify(options.replace) } : {}),
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30_000)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr })
    })
    child.stdin.end(source)
  })
}
