/**
 * Driving the built `twat-cache` command in child processes, as a user's shell would: `node dist/cli/main.js …`
 * with the environment given (TWAT_CACHE_DIR set to a test's own folder), stdin a pipe unless `tty` (then the
 * command runs inside `script`, which gives it a pseudo-terminal), and a time limit.
 */
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import path from 'node:path'
import { REPO_ROOT } from './child.js'

export const CLI = path.join(REPO_ROOT, 'dist/cli/main.js')
const HIDE_PACKAGES = path.join(REPO_ROOT, 'test/support/hide-packages.cjs')

export interface CliResult {
  code: number | null
  stdout: string
  stderr: string
}

export interface CliOptions {
  env?: Record<string, string | undefined>
  cwd?: string
  /** Written to stdin, then stdin is closed. */
  input?: string
  /** Run on a pseudo-terminal (stdin, stdout and stderr), through `script`; its output is stdout. */
  tty?: boolean
  /** On a terminal: type `input` once the output matches `when` (a prompt). */
  answer?: { when: RegExp; input: string }
  /** Packages that must not resolve in the child (hide-packages.cjs). */
  hide?: string[]
  /** Extra `node` arguments (e.g. --require a recorder). */
  nodeArgs?: string[]
  timeoutMs?: number
}

/** The CLI must be built: tests drive dist/, as users run it. */
export function assertBuilt(): void {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first (npm test does)`)
}

function shellQuote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`
}

export function runCli(args: readonly string[], options: CliOptions = {}): Promise<CliResult> {
  const nodeArgs = [...(options.nodeArgs ?? [])]
  if (options.hide?.length) nodeArgs.unshift('--require', HIDE_PACKAGES)
  const command = [process.execPath, ...nodeArgs, CLI, ...args]
  const env: Record<string, string | undefined> = { ...process.env, FORCE_COLOR: undefined, NO_COLOR: undefined, ...options.env }
  if (options.hide?.length) env.TWAT_HIDE_PACKAGES = options.hide.join(',')
  for (const [key, value] of Object.entries(env)) if (value === undefined) delete env[key]
  const [file, argv] = options.tty ? ['script', ['-qec', command.map(shellQuote).join(' '), '/dev/null']] : [command[0]!, command.slice(1)]
  return new Promise((resolve, reject) => {
    const child = spawn(file, argv as string[], {
      cwd: options.cwd ?? REPO_ROOT,
      env: env as NodeJS.ProcessEnv,
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    let answered = false
    child.stdout.on('data', (d) => {
      stdout += d
      if (options.answer && !answered && options.answer.when.test(stdout)) {
        answered = true
        child.stdin.write(options.answer.input)
        child.stdin.end()
      }
    })
    child.stderr.on('data', (d) => (stderr += d))
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr })
    })
    if (options.input !== undefined) child.stdin.write(options.input)
    if (!options.answer) child.stdin.end()
  })
}

/** The JSON document a `--json` run printed. */
export function jsonOf<T = any>(result: CliResult): T {
  try {
    return JSON.parse(result.stdout) as T
  } catch {
    throw new Error(`not JSON (exit ${result.code}):\n${result.stdout}\n${result.stderr}`)
  }
}
