/**
 * One benchmark process: `node --expose-gc bench/harness/child.mjs <group file> <contender | --all>`. Measuring
 * each contender in a fresh process keeps them from sharing JIT state: V8's type feedback for lru-cache's `get`,
 * for example, would otherwise depend on which contender ran first (we saw 2× swings from order alone).
 * Prints one line `RESULT <json>` on stdout.
 */
import { pathToFileURL } from 'node:url'
import { Skip } from './built.mjs'
import { nsPerOp, sinkValue } from './measure.mjs'

const [file, name] = process.argv.slice(2)
const group = await import(pathToFileURL(file).href)
let result
try {
  if (name === '--all') {
    result = await group.measureAll()
  } else {
    const contender = group.contenders[name]
    if (!contender) throw new Error(`${file} has no contender named ${JSON.stringify(name)}`)
    const subject = await contender.setup()
    result = { ns: await nsPerOp(subject) }
    await subject.teardown?.()
  }
} catch (error) {
  if (!(error instanceof Skip)) throw error
  result = { skip: error.message }
}
process.stdout.write(`RESULT ${JSON.stringify({ ...result, sink: sinkValue() })}\n`)
// Open handles (a keyv store, a database) must not keep a finished benchmark alive.
process.exit(0)
