/**
 * Headless Chromium for tests: load a page and read the text its scripts leave in the body (`--dump-dom` after the
 * page's work is done, with a virtual time budget so timers and promises run). A missing chromium fails with the
 * command that installs it; a page that never finishes is killed after a bounded time.
 */
import { spawn } from 'node:child_process'

/** Loads `url` (http:, or file: for pages without ES module scripts) and returns the text of its body. */
export function chromiumBody(url: string, timeoutMs = 60_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('chromium', ['--headless', '--no-sandbox', '--disable-gpu', '--virtual-time-budget=10000', '--dump-dom', url], {
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.on('error', (error) =>
      reject(new Error(`chromium could not be started (${error.message}); install it: apt-get install -y chromium`)),
    )
    child.on('close', (code) => {
      clearTimeout(timer)
      const body = /<body>([\s\S]*)<\/body>/.exec(stdout)?.[1]
      if (code !== 0 || body === undefined) reject(new Error(`chromium exited with ${code}:\n${stdout}\n${stderr}`))
      else
        resolve(
          body
            .replace(/&quot;/g, '"')
            .replace(/&amp;/g, '&')
            .replace(/&lt;/g, '<')
            .replace(/&gt;/g, '>')
            .trim(),
        )
    })
  })
}
