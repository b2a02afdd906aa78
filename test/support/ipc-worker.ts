/**
 * A Node child process that runs a module's source from stdin and answers requests over IPC: `ask` sends a request
 * (with an id) and resolves with the child's reply of that id, or rejects when the reply carries `error` or the child
 * exits; `stop` asks it to exit (`op: 'exit'`) and kills it after 10 s. The source must `process.send({ ready: true })`
 * once it listens, and answer each message with `{ id, … }`. Used by the cross-process tests (invalidation, tiers).
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { REPO_ROOT } from './child.js'

export interface IpcWorker<Reply> {
  ask(request: Record<string, unknown>): Promise<Reply>
  stop(): Promise<void>
}

export async function startIpcWorker<Reply extends { error?: string }>(label: string, source: string): Promise<IpcWorker<Reply>> {
  const child: ChildProcess = spawn(process.execPath, ['--input-type=module', '--no-warnings'], {
    cwd: REPO_ROOT,
    stdio: ['pipe', 'inherit', 'pipe', 'ipc'],
  })
  let stderr = ''
  child.stderr!.on('data', (d) => (stderr += d))
  const waiting = new Map<number, (reply: Reply) => void>()
  let ready!: () => void
  const readyNow = new Promise<void>((resolve) => (ready = resolve))
  child.on('message', (message: Reply & { id?: number; ready?: boolean }) => {
    if (message.ready) return ready()
    waiting.get(message.id!)?.(message)
    waiting.delete(message.id!)
  })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const failed = exited.then(() => {
    throw new Error(`worker ${label} exited: ${stderr}`)
  })
  failed.catch(() => undefined)
  child.stdin!.end(source)
  await Promise.race([readyNow, failed])
  let next = 0
  return {
    async ask(request) {
      const id = ++next
      const reply = new Promise<Reply>((resolve) => waiting.set(id, resolve))
      child.send({ ...request, id })
      const answer = await Promise.race([reply, failed])
      if (answer.error) throw new Error(`worker ${label}: ${answer.error}`)
      return answer
    },
    async stop() {
      if (child.exitCode !== null) return
      const id = ++next
      waiting.set(id, () => undefined)
      child.send({ op: 'exit', id })
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
      await exited
      clearTimeout(timer)
    },
  }
}
