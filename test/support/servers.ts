/**
 * Real Redis and memcached servers for tests: started as child processes on free 127.0.0.1 ports, ready once the
 * port accepts connections, stopped by pid. A missing binary fails the test (CI installs them:
 * `apt-get install -y redis-server memcached`).
 */
import { spawn, type ChildProcess } from 'node:child_process'
import net from 'node:net'

export interface TestServer {
  /** redis://127.0.0.1:<port> or memcache://127.0.0.1:<port>. */
  readonly url: string
  readonly port: number
  readonly pid: number
  /** Stop the server and wait until it has exited; SIGKILL simulates a crash. */
  stop(signal?: NodeJS.Signals): Promise<void>
}

const running = new Set<ChildProcess>()
// If a test run dies half-way, do not leave servers behind.
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL')
})

/** A port that was free a moment ago (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer()
    server.unref()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo
      server.close(() => resolve(port))
    })
  })
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1')
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
  })
}

export async function startServer(binary: string, args: string[], port: number, scheme: string): Promise<TestServer> {
  const child = spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe'] })
  let stderr = ''
  child.stderr!.on('data', (chunk) => (stderr += chunk))
  let exited: string | undefined
  const exit = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exited = `exited with ${signal ?? code}`
      running.delete(child)
      resolve()
    })
  })
  const spawnError = new Promise<never>((_, reject) =>
    child.once('error', (error) =>
      reject(new Error(`${binary} could not be started (${error.message}); install it: apt-get install -y redis-server memcached`)),
    ),
  )
  running.add(child)
  const deadline = Date.now() + 10_000
  const ready = (async () => {
    for (;;) {
      if (exited) throw new Error(`${binary} ${exited} before accepting connections: ${stderr.trim()}`)
      if (await accepts(port)) return
      if (Date.now() > deadline) throw new Error(`${binary} did not accept connections on port ${port} within 10 s`)
      await new Promise((resolve) => setTimeout(resolve, 30))
    }
  })()
  try {
    await Promise.race([ready, spawnError])
  } catch (error) {
    child.kill('SIGKILL')
    await exit
    throw error
  }
  return {
    url: `${scheme}://127.0.0.1:${port}`,
    port,
    pid: child.pid!,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (!exited) process.kill(child.pid!, signal)
      await exit
    },
  }
}

/** `redis-server` on a free port (or on `port`, to restart a stopped one), without persistence. */
export async function startRedis(port?: number): Promise<TestServer> {
  port ??= await freePort()
  return startServer('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], port, 'redis')
}

/** `memcached` on a free port or on `port` (TCP only; as root it needs `-u root`). */
export async function startMemcached(port?: number): Promise<TestServer> {
  port ??= await freePort()
  const args = ['-l', '127.0.0.1', '-p', String(port), '-U', '0']
  if (process.getuid?.() === 0) args.push('-u', 'root')
  return startServer('memcached', args, port, 'memcache')
}
