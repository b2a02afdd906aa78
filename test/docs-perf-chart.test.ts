/**
 * scripts/perf-chart.mjs: from the JSON bench/run.mjs saves (BENCH_JSON), it draws valid SVG with one bar per ratio
 * goal, sized by the ratio and coloured by the verdict; docs/performance.svg is what it draws from bench/results.json.
 */
import { suite } from './support/suite.js'
import * as assert from 'uvu/assert'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { REPO_ROOT } from './support/child.js'

interface Bar {
  readonly label: string
  readonly ratio: number
  readonly limit: number
}
/** The script, a plain ES module (type-checked as JavaScript by tsconfig.scripts.json). */
const { headlineRatios, renderChart } = (await import(pathToFileURL(path.join(REPO_ROOT, 'scripts/perf-chart.mjs')).href)) as {
  headlineRatios(results: unknown): Bar[]
  renderChart(results: unknown): string
}

interface XmlElement {
  readonly name: string
  readonly attributes: Record<string, string>
  readonly children: XmlElement[]
  text: string
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" }

function decode(raw: string, at: number): string {
  if (raw.includes('<')) throw new Error(`raw "<" in text or attribute near offset ${at}`)
  return raw.replace(/&([^;\s]*);?/g, (whole, name: string) => {
    if (!whole.endsWith(';')) throw new Error(`"&" that starts no entity near offset ${at}`)
    if (name in ENTITIES) return ENTITIES[name]!
    const code = /^#x([0-9a-f]+)$/i.exec(name)?.[1] ?? /^#(\d+)$/.exec(name)?.[1]
    if (code === undefined) throw new Error(`unknown entity &${name}; near offset ${at}`)
    return String.fromCodePoint(parseInt(code, name.startsWith('#x') ? 16 : 10))
  })
}

/**
 * A strict well-formedness check of an XML document, written by hand: Node.js has no XML parser, and an SVG chart
 * needs only elements, attributes, text, comments and entities. Returns the root element; throws at the first
 * mistake (unclosed or mismatched tags, unquoted or repeated attributes, a raw `<` or `&`, two roots).
 */
export function parseXml(xml: string): XmlElement {
  let i = xml.startsWith('<?xml') ? xml.indexOf('?>') + 2 : 0
  const stack: XmlElement[] = []
  let root: XmlElement | undefined
  const NAME = /[A-Za-z_][\w.:-]*/y
  const name = (): string => {
    NAME.lastIndex = i
    const match = NAME.exec(xml)
    if (!match) throw new Error(`expected a name at offset ${i}`)
    i += match[0].length
    return match[0]
  }
  const spaces = () => {
    while (/\s/.test(xml[i] ?? '')) i++
  }
  while (i < xml.length) {
    const lt = xml.indexOf('<', i)
    const text = xml.slice(i, lt === -1 ? xml.length : lt)
    if (stack.length) stack[stack.length - 1]!.text += decode(text, i)
    else if (text.trim()) throw new Error(`text outside the root element at offset ${i}`)
    if (lt === -1) break
    i = lt
    if (xml.startsWith('<!--', i)) {
      const end = xml.indexOf('-->', i)
      if (end === -1) throw new Error(`unterminated comment at offset ${i}`)
      i = end + 3
    } else if (xml.startsWith('</', i)) {
      i += 2
      const closing = name()
      spaces()
      if (xml[i] !== '>') throw new Error(`expected ">" at offset ${i}`)
      i++
      const open = stack.pop()
      if (!open || open.name !== closing) throw new Error(`</${closing}> closes <${open?.name ?? 'nothing'}>`)
    } else {
      i++
      const element: XmlElement = { name: name(), attributes: {}, children: [], text: '' }
      for (;;) {
        const before = i
        spaces()
        if (xml.startsWith('/>', i) || xml[i] === '>') break
        if (i === before) throw new Error(`expected a space before an attribute at offset ${i}`)
        const attribute = name()
        if (xml[i] !== '=' || (xml[i + 1] !== '"' && xml[i + 1] !== "'"))
          throw new Error(`attribute ${attribute} is not name="value" at offset ${i}`)
        const quote = xml[i + 1]!
        const end = xml.indexOf(quote, i + 2)
        if (end === -1) throw new Error(`unterminated value of ${attribute}`)
        if (attribute in element.attributes) throw new Error(`attribute ${attribute} given twice on <${element.name}>`)
        element.attributes[attribute] = decode(xml.slice(i + 2, end), i)
        i = end + 1
      }
      if (stack.length) stack[stack.length - 1]!.children.push(element)
      else if (root) throw new Error(`a second root element <${element.name}>`)
      else root = element
      if (xml.startsWith('/>', i)) i += 2
      else {
        i++
        stack.push(element)
      }
    }
  }
  if (stack.length) throw new Error(`<${stack[stack.length - 1]!.name}> is never closed`)
  if (!root) throw new Error('no root element')
  return root
}

function all(element: XmlElement, name: string): XmlElement[] {
  return element.children.flatMap((child) => [...(child.name === name ? [child] : []), ...all(child, name)])
}

/** A small results file as bench/run.mjs writes it: two ratio goals (one missed), an absolute one, a skipped one. */
const SAMPLE = {
  format: 1,
  measured: '2026-12-01T10:00:00.000Z',
  machine: 'Node v20.20.2, test machine, 2 cores',
  quick: false,
  goals: [
    { goal: 'mcache hit <hot> & "quoted"', value: '12 ns vs 10 ns', ratio: 1.2, target: '≤ 1.5× lru-cache memo · hot key', pass: true },
    {
      goal: 'bcache miss + store',
      value: '90 µs vs 30 µs',
      ratio: 3,
      target: '≤ 1.5× miss+store: better-sqlite3 INSERT OR REPLACE',
      pass: false,
    },
    { goal: 'mcache miss overhead', value: '208 ns', target: '≤ 300 ns beyond the function', pass: true },
    { goal: 'acache hit', value: 'skipped: not built', target: '≤ 1.3× awaited lru-cache memo', pass: undefined },
  ],
  groups: [],
}

const chart = suite('performance chart', { timeoutMs: 180_000 })

chart('should check XML strictly (the check itself can fail)', () => {
  assert.is(parseXml('<svg a="1"><g><text>x &amp; y</text></g><rect/></svg>').children.length, 2)
  for (const bad of [
    '<svg><g></svg>',
    '<svg>a & b</svg>',
    '<svg a=1></svg>',
    '<svg a="1" a="2"/>',
    '<svg/><svg/>',
    '<svg><text>a < b</text></svg>',
    '<svg>',
  ]) {
    assert.throws(() => parseXml(bad), undefined, bad)
  }
})

chart('should draw valid SVG with one bar per ratio goal, escaped labels, sized by ratio and coloured by verdict', () => {
  const svg = parseXml(renderChart(SAMPLE))
  assert.is(svg.name, 'svg')
  assert.is(svg.attributes.xmlns, 'http://www.w3.org/2000/svg')
  const [w, h] = [Number(svg.attributes.width), Number(svg.attributes.height)]
  assert.ok(w > 0 && h > 0, `size ${w}×${h}`)
  assert.is(svg.attributes.viewBox, `0 0 ${w} ${h}`)
  const bars = all(svg, 'g').filter((g) => g.attributes.class === 'bar')
  assert.is(bars.length, 2, 'the two goals with a ratio to a baseline')
  const labels = bars.map((bar) => bar.children.find((c) => c.name === 'text')!.text)
  assert.equal(labels, ['mcache hit <hot> & "quoted"', 'bcache miss + store'])
  const [fast, slow] = bars.map((bar) => bar.children.find((c) => c.name === 'rect')!)
  assert.ok(Number(slow!.attributes.width) > 2 * Number(fast!.attributes.width), 'a 3× bar is more than twice a 1.2× bar')
  assert.is.not(fast!.attributes.fill, slow!.attributes.fill, 'met and missed goals differ in colour')
  const values = bars.map((bar) => bar.children.filter((c) => c.name === 'text')[1]!.text)
  assert.equal(values, ['1.20×', '3.00×'])
})

chart('should pick the goals measured against a baseline, with their limits', () => {
  assert.equal(
    headlineRatios(SAMPLE).map((b) => [b.label, b.limit]),
    [
      ['mcache hit <hot> & "quoted"', 1.5],
      ['bcache miss + store', 1.5],
    ],
  )
  assert.throws(() => headlineRatios({}), /goals/)
})

chart('should keep docs/performance.svg as drawn from bench/results.json', () => {
  const results = JSON.parse(readFileSync(path.join(REPO_ROOT, 'bench/results.json'), 'utf8'))
  const drawn = renderChart(results)
  parseXml(drawn)
  assert.ok(headlineRatios(results).length >= 5, 'the committed results hold the headline ratios')
  assert.fixture(readFileSync(path.join(REPO_ROOT, 'docs/performance.svg'), 'utf8'), drawn)
})

chart('should chart what bench/run.mjs saves with BENCH_JSON, from the command line', () => {
  const folder = mkdtempSync(path.join(os.tmpdir(), 'twat-perf-chart-'))
  try {
    const json = path.join(folder, 'results.json')
    const bench = spawnSync(process.execPath, ['bench/run.mjs', 'fcache'], {
      cwd: REPO_ROOT,
      env: { ...process.env, BENCH_QUICK: '1', BENCH_JSON: json },
      encoding: 'utf8',
      timeout: 150_000,
    })
    assert.is(bench.status, 0, bench.stdout + bench.stderr)
    const saved = JSON.parse(readFileSync(json, 'utf8'))
    assert.is(saved.quick, true)
    assert.equal(
      saved.groups.map((g: { id: string }) => g.id),
      ['fcache'],
    )
    assert.is(saved.groups[0].results.fcache.vs, 'readFileSync + v8.deserialize')
    assert.is(typeof saved.groups[0].results.fcache.ratio, 'number')
    const out = path.join(folder, 'chart.svg')
    const drawn = spawnSync(process.execPath, ['scripts/perf-chart.mjs', json, out], { cwd: REPO_ROOT, encoding: 'utf8' })
    assert.is(drawn.status, 0, drawn.stderr)
    const svg = parseXml(readFileSync(out, 'utf8'))
    assert.is(all(svg, 'g').filter((g) => g.attributes.class === 'bar').length, 1, 'the fcache goal')
    const missing = spawnSync(process.execPath, ['scripts/perf-chart.mjs', path.join(folder, 'none.json'), out], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
    })
    assert.is(missing.status, 2)
    assert.match(missing.stderr, 'BENCH_JSON=')
    writeFileSync(json, '{}')
    assert.is.not(spawnSync(process.execPath, ['scripts/perf-chart.mjs', json, out], { cwd: REPO_ROOT, encoding: 'utf8' }).status, 0)
  } finally {
    rmSync(folder, { recursive: true, force: true })
  }
})

chart.run()
