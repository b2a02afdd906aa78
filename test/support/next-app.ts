// Builds and serves the Next.js fixture app (fixtures/next-app) with the packed twat-cache: `next build` with
// Turbopack or webpack, then `next start` on a free loopback port. Every step is bounded by a timeout, and a server
// is stopped by its process group, so no test leaves one running.
import { spawn, type ChildProcess } from 'node:child_process'
import { writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import path from 'node:path'
import { createApp, REPO, type App, type PackedPackage } from './build-package.js'

export const NEXT_FIXTURE = path.join(REPO, 'fixtures/next-app')
const NEXT_BIN = path.join(REPO, 'node_modules/next/dist/bin/next')

export type NextBundler = 'turbopack' | 'webpack'

/**
 * The app for one bundler: the shared `app/` and `lib/`, then that bundler's own config and `lib/extra.ts`. The
 * webpack app's package.json has no "type" (its next.config.js is CommonJS); the Turbopack one is "type": "module".
 * Neither says "commonjs", which would make Turbopack refuse the app's ES module sources.
 */
export async function createNextApp(packed: PackedPackage, bundler: NextBundler): Promise<App> {
  const own = path.join(NEXT_FIXTURE, bundler)
  const config = bundler === 'turbopack' ? 'next.config.mjs' : 'next.config.js'
  const app = await createApp(packed, `next-${bundler}`, {
    app: path.join(NEXT_FIXTURE, 'app'),
    lib: path.join(NEXT_FIXTURE, 'lib'),
    'lib/extra.ts': path.join(own, 'lib/extra.ts'),
    ...(bundler === 'turbopack' ? { 'lib/extra.txt': path.join(own, 'lib/extra.txt') } : {}),
    [config]: path.join(own, config),
  })
  if (bundler === 'webpack') {
    await writeFile(path.join(app.dir, 'package.json'), `${JSON.stringify({ name: 'twat-cache-next-webpack', private: true }, null, 2)}\n`)
  }
  return app
}

const quiet = { NEXT_TELEMETRY_DISABLED: '1' }

/** `next build` (Turbopack, Next 16's default) or `next build --webpack`; rejects with the build's output. */
export async function buildNextApp(app: App, bundler: NextBundler, timeoutMs = 300_000): Promise<string> {
  const args = ['build', ...(bundler === 'webpack' ? ['--webpack'] : [])]
  const child = spawn(process.execPath, [NEXT_BIN, ...args], {
    cwd: app.dir,
    env: { ...process.env, ...quiet },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  })
  const output = collect(child)
  const code = await exited(child, timeoutMs)
  if (code !== 0) throw new Error(`next ${args.join(' ')} exited with ${code}:\n${output()}`)
  return output()
}

/** A running `next start`. */
export interface NextServer {
  readonly url: string
  /** What the server printed so far. */
  output(): string
  stop(): Promise<void>
}

/** Starts `next start` on a free loopback port and waits until it answers (at most `timeoutMs`). */
export async function startNextApp(app: App, env: Readonly<Record<string, string>>, timeoutMs = 60_000): Promise<NextServer> {
  const port = await freePort()
  const child = spawn(process.execPath, [NEXT_BIN, 'start', '-p', String(port), '-H', '127.0.0.1'], {
    cwd: app.dir,
    env: { ...process.env, ...quiet, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  })
  const output = collect(child)
  const server: NextServer = {
    url: `http://127.0.0.1:${port}/`,
    output,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) killGroup(child, 'SIGTERM')
      await exited(child, 10_000).catch(() => killGroup(child, 'SIGKILL'))
    },
  }
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (child.exitCode !== null) throw new Error(`next start exited with ${child.exitCode}:\n${output()}`)
    try {
      const response = await fetch(server.url, { signal: AbortSignal.timeout(5_000) })
      await response.arrayBuffer()
      return server
    } catch {
      if (Date.now() > deadline) {
        await server.stop()
        throw new Error(`next start did not answer on ${server.url} within ${timeoutMs} ms:\n${output()}`)
      }
      await new Promise((resolve) => setTimeout(resolve, 250))
    }
  }
}

/** Fetches the page and reads the JSON report it renders in `<pre id="report">`. */
export async function fetchReport<T>(server: NextServer): Promise<T> {
  const response = await fetch(server.url, { signal: AbortSignal.timeout(30_000) })
  const html = await response.text()
  if (!response.ok) throw new Error(`GET ${server.url}: ${response.status}\n${html.slice(0, 2000)}\n${server.output()}`)
  const match = /<pre id="report">([^<]*)<\/pre>/.exec(html)
  if (!match?.[1]) throw new Error(`GET ${server.url} has no report:\n${html.slice(0, 2000)}`)
  return JSON.parse(decodeHtml(match[1])) as T
}

/** The entities React writes in text content. */
function decodeHtml(text: string): string {
  const entities: Record<string, string> = { '&quot;': '"', '&#x27;': "'", '&lt;': '<', '&gt;': '>', '&amp;': '&' }
  return text.replace(/&(?:quot|#x27|lt|gt|amp);/g, (entity) => entities[entity] ?? entity)
}

function collect(child: ChildProcess): () => string {
  let text = ''
  child.stdout?.on('data', (chunk) => (text += chunk))
  child.stderr?.on('data', (chunk) => (text += chunk))
  return () => text
}

/** Resolves with the exit code; on timeout kills the process group and rejects. */
function exited(child: ChildProcess, timeoutMs: number): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode)
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      killGroup(child, 'SIGKILL')
      reject(new Error(`${child.spawnargs.join(' ')} did not finish within ${timeoutMs} ms`))
    }, timeoutMs)
    child.once('exit', (code) => {
      clearTimeout(timer)
      resolve(code)
    })
    child.once('error', (error) => {
      clearTimeout(timer)
      reject(error)
    })
  })
}

/** Next.js starts workers of its own: signal the whole group the child leads (it was spawned detached). */
function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return
  try {
    process.kill(-child.pid, signal)
  } catch {
    // already gone
  }
}

/** A port the OS has just handed out on 127.0.0.1 (free now; Next binds it right after). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))))
    })
  })
}
