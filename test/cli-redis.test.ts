/**
 * `twat-cache stats`, `clear` and `doctor` against a real Redis (started on a free port): acache's entries are
 * listed per function and version (found with SCAN), cleared per function without touching the others, and doctor
 * PINGs the server, and says what is wrong when it does not answer.
 */
import * as assert from 'uvu/assert'
import { RUNTIME_URL, runChild } from './support/child.js'
import { assertBuilt, jsonOf, runCli } from './support/cli.js'
import { startRedis, type TestServer } from './support/servers.js'
import { suite } from './support/suite.js'

const test = suite('twat-cache on Redis', { timeoutMs: 90_000 })
let redis: TestServer

async function fill(url: string): Promise<void> {
  const result = await runChild(`
    import { acache } from ${JSON.stringify(RUNTIME_URL)}
    const users = acache(async (id) => ({ id, name: 'user ' + id }), { url: ${JSON.stringify(url)}, name: 'src/users.ts#byId', version: 'u1', ttl: '1h' })
    await users(1); await users(2); await users(3)
    const other = acache(async (id) => id, { url: ${JSON.stringify(url)}, name: 'src/other.ts#echo', version: 'o1' })
    await other('a')
    process.exit(0)`)
  assert.is(result.code, 0, result.stderr)
}

test.before(async () => {
  assertBuilt()
  redis = await startRedis()
})
test.after(async () => {
  await redis?.stop()
})

test("should list acache's entries in Redis per function and version", async () => {
  await fill(redis.url)
  const result = await runCli(['stats', '--url', redis.url, '--dir', '/nonexistent/twat-cache-cli', '--json'])
  assert.is(result.code, 0, result.stderr)
  const stats = jsonOf(result)
  assert.is(stats.redis.url, redis.url)
  const byId = Object.fromEntries(stats.redis.functions.map((f: any) => [f.id, f]))
  assert.equal(Object.keys(byId), ['src/other.ts#echo', 'src/users.ts#byId'])
  assert.is(byId['src/users.ts#byId'].entries, 3)
  assert.equal(
    byId['src/users.ts#byId'].versions.map((v: any) => v.version),
    ['u1'],
  )
  assert.ok(byId['src/users.ts#byId'].bytes > 3 * '{"id":1,"name":"user 1"}'.length - 1)
  const text = await runCli(['stats', '--url', redis.url, '--dir', '/nonexistent/twat-cache-cli'])
  assert.match(text.stdout, /\(redis\)\s+redis\s+src\/users\.ts#byId\s+3\s+\d+ B/)
})

test('should clear one function in Redis and leave the others', async () => {
  await fill(redis.url)
  const cleared = await runCli([
    'clear',
    'src/users.ts#byId',
    '--url',
    redis.url,
    '--dir',
    '/nonexistent/twat-cache-cli',
    '--yes',
    '--json',
  ])
  assert.is(cleared.code, 0, cleared.stderr)
  assert.is(jsonOf(cleared).removed.entries, 3)
  const left = jsonOf(await runCli(['stats', '--url', redis.url, '--dir', '/nonexistent/twat-cache-cli', '--json']))
  assert.equal(
    left.redis.functions.map((f: any) => [f.id, f.entries]),
    [['src/other.ts#echo', 1]],
  )
})

test('should PING Redis in doctor, and say what is wrong when it does not answer', async () => {
  const ok = jsonOf(await runCli(['doctor', '--url', redis.url, '--json']))
  const check = ok.checks.find((c: any) => c.name.startsWith('Redis'))
  assert.is(check.status, 'ok')
  assert.match(check.detail, /^PONG in \d+ ms$/)
  const stopped = await startRedis()
  await stopped.stop()
  const down = await runCli(['doctor', '--url', stopped.url])
  assert.is(down.code, 1)
  assert.match(down.stdout, new RegExp(`✗ Redis ${stopped.url.replace(/[/.]/g, '\\$&')}\\s+cannot connect to Redis at .*ECONNREFUSED`))
  assert.match(down.stdout, /fix: Start the server/)
  const stats = await runCli(['stats', '--url', stopped.url])
  assert.is(stats.code, 1)
  assert.match(stats.stderr, /cannot connect to Redis/)
})

test.run()
