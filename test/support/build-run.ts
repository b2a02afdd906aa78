// Runs a built bundle in a fresh Node process (so module-level state and persistent caches start clean, as in a
// real second run) and reads the JSON report the fixture app prints.
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'

const run = promisify(execFile)

/** Runs `node <file>` in `cwd` with extra environment variables; returns the last stdout line parsed as JSON. */
export async function runReport<T = unknown>(file: string, cwd: string, env: Readonly<Record<string, string>> = {}): Promise<T> {
  const { stdout, stderr } = await run(process.execPath, [file], {
    cwd,
    env: { ...process.env, ...env },
    timeout: 60_000,
    maxBuffer: 16 * 1024 * 1024,
  }).catch((error: Error & { stdout?: string; stderr?: string }) => {
    throw new Error(`node ${file} failed: ${error.message}\n${error.stderr ?? ''}`)
  })
  const last = stdout.trim().split('\n').at(-1) ?? ''
  try {
    return JSON.parse(last) as T
  } catch {
    throw new Error(`node ${file} printed no JSON report.\nstdout: ${stdout}\nstderr: ${stderr}`)
  }
}
