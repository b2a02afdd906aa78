/**
 * A real three-master Redis Cluster for tests: three `redis-server --cluster-enabled yes` on free loopback ports,
 * each in a temporary folder (its nodes.conf), joined by `redis-cli --cluster create`, ready once every node's
 * `cluster info` says `cluster_state:ok` (bounded). A missing binary fails the test, as in servers.ts.
 */
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { startServer, freePort, type TestServer } from './servers.js'

const run = promisify(execFile)

export interface TestCluster {
  readonly nodes: readonly TestServer[]
  /** `{ url }` of every node, for node-redis's `createCluster({ rootNodes })`. */
  readonly rootNodes: ReadonlyArray<{ url: string }>
  stop(): Promise<void>
}

async function clusterInfo(port: number): Promise<string> {
  const { stdout } = await run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), 'cluster', 'info'], { timeout: 5000 })
  return stdout
}

/** Start three masters and join them into one cluster (no replicas: a killed master's slots go unserved). */
export async function startRedisCluster(): Promise<TestCluster> {
  const folders: string[] = []
  const nodes: TestServer[] = []
  const stop = async () => {
    for (const node of nodes) await node.stop('SIGKILL')
    for (const folder of folders) rmSync(folder, { recursive: true, force: true })
  }
  try {
    for (let i = 0; i < 3; i++) {
      const port = await freePort()
      const folder = mkdtempSync(path.join(os.tmpdir(), 'twat-redis-cluster-'))
      folders.push(folder)
      const args = [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--cluster-enabled',
        'yes',
        '--cluster-config-file',
        path.join(folder, 'nodes.conf'),
        '--cluster-node-timeout',
        '2000',
        '--dir',
        folder,
      ]
      nodes.push(await startServer('redis-server', args, port, 'redis'))
    }
    await run('redis-cli', ['--cluster', 'create', ...nodes.map((n) => `127.0.0.1:${n.port}`), '--cluster-yes'], { timeout: 30_000 })
    const deadline = Date.now() + 20_000
    for (;;) {
      const states = await Promise.all(nodes.map((n) => clusterInfo(n.port)))
      if (states.every((s) => /cluster_state:ok/.test(s) && /cluster_known_nodes:3/.test(s))) break
      if (Date.now() > deadline) throw new Error(`the cluster was not ok within 20 s:\n${states.join('\n')}`)
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  } catch (error) {
    await stop()
    throw error
  }
  return { nodes, rootNodes: nodes.map((n) => ({ url: n.url })), stop }
}
