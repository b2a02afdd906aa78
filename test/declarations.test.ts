/**
 * A library's published types do not change because a function is cached: a small library is compiled by ts-patch's
 * `tspc` with the twat-cache transformer and without it, and every emitted `.d.ts` (and declaration map) must be
 * byte for byte the same, while the JavaScript of the first build does call the caches.
 */
import fs from 'node:fs'
import path from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { createTscProject } from './support/transform-tsc-project.js'

const project = createTscProject()
const declarations = suite('declarations: tspc with the transformer emits the .d.ts of the source as written')

const tsconfig = (outDir: string, plugins: unknown[]) =>
  JSON.stringify({
    compilerOptions: {
      target: 'ES2022',
      module: 'NodeNext',
      moduleResolution: 'NodeNext',
      strict: true,
      skipLibCheck: true,
      types: [],
      declaration: true,
      declarationMap: true,
      rootDir: 'src',
      outDir,
      plugins,
    },
    include: ['src'],
  })

project.write('tsconfig.with.json', tsconfig('out-with', [{ transform: 'twat-cache/tsc', transformProgram: true }]))
project.write('tsconfig.without.json', tsconfig('out-without', []))

// Declarations with inferred return types, defaults, destructuring, rest parameters, `this`, generics, overloads.
project.write(
  'src/functions.ts',
  `
/** @mcache maxsize=10 */
export function inferred(n: number, scale = 2) {
  return { value: n * scale }
}

/** @cache mcache */
export function destructured({ a, b }: { a: number; b: number }, [c] = [0], ...rest: string[]): number {
  return a + b + c + rest.length
}

interface Counter { count: number }
/** @mcache */
export function withThis(this: Counter, by = 1): number {
  return this.count + by
}

/** @mcache */
export function first<T extends { id: string }, U = T>(items: readonly T[], fallback?: U): T | U | undefined {
  return items[0] ?? fallback
}

export function parse(text: string): number
export function parse(text: string[]): number[]
/** @mcache */
export function parse(text: string | string[]): number | number[] {
  return Array.isArray(text) ? text.map(Number) : Number(text)
}

/** @acache */
export async function load(id: string) {
  return { id, at: 1 }
}
`,
)

// Arrows and function expressions bound to names, and an object with a cached method.
project.write(
  'src/bindings.ts',
  `
/** @mcache */
export const area = (width: number, height = width) => width * height

/** @mcache ttl=10m */
export const greet = function greet(name: string): string {
  return 'hello ' + name
}

export const api = {
  /** @mcache */
  get(id: number, prefix = 'item') {
    return prefix + id
  },
}
`,
)

// Class methods: instance, static, async, #private.
project.write(
  'src/classes.ts',
  `
export class Prices {
  constructor(private readonly base: number) {}

  /** @mcache */
  of(sku: string, region = 'eu'): number {
    return this.base + sku.length + region.length + this.#tax(sku)
  }

  /** @mcache */
  static describe(id: number) {
    return 'price:' + id
  }

  /** @acache */
  async fetch(sku: string): Promise<number> {
    return this.of(sku)
  }

  /** @mcache */
  #tax(sku: string): number {
    return sku.length
  }
}
`,
)

// Default exports: a declaration and an arrow.
project.write(
  'src/default-function.ts',
  `
/** @mcache */
export default function square(n: number) {
  return n * n
}
`,
)
project.write(
  'src/default-arrow.ts',
  `
/** @mcache */
export default (n: number, label = 'n') => label + n
`,
)

/** Every file under `dir` (relative paths), with its text. */
function files(dir: string): Map<string, string> {
  const found = new Map<string, string>()
  const walk = (relative: string) => {
    for (const entry of fs.readdirSync(path.join(dir, relative), { withFileTypes: true })) {
      const name = path.join(relative, entry.name)
      if (entry.isDirectory()) walk(name)
      else found.set(name, fs.readFileSync(path.join(dir, name), 'utf8'))
    }
  }
  walk('')
  return found
}

let outputs: { with: Map<string, string>; without: Map<string, string> } | undefined
function build() {
  if (!outputs) {
    for (const config of ['tsconfig.with.json', 'tsconfig.without.json']) {
      const { status, output } = project.tspc(config)
      assert.is(output, '', `${config} printed diagnostics`)
      assert.is(status, 0, config)
    }
    outputs = { with: files(path.join(project.dir, 'out-with')), without: files(path.join(project.dir, 'out-without')) }
  }
  return outputs
}

const DECLARATION = /\.d\.ts(?:\.map)?$/

declarations('should emit the same declaration files, byte for byte', () => {
  const { with: cached, without: plain } = build()
  const declared = (all: Map<string, string>) => [...all.keys()].filter((name) => DECLARATION.test(name)).sort()
  assert.equal(declared(cached), declared(plain))
  assert.is(declared(plain).length, 10, 'five .d.ts files and their maps')
  for (const name of declared(plain)) assert.fixture(cached.get(name)!, plain.get(name)!)
})

declarations('should still cache in the JavaScript it emits', () => {
  const { with: cached, without: plain } = build()
  for (const [name, call] of [
    ['functions.js', '__twat_mcache(__twat$inferred$impl'],
    ['bindings.js', '__twat_mcache((width, height = width) => width * height'],
    ['classes.js', '__twat_cachedMethod(__twat_mcache, this.prototype.of'],
    ['default-function.js', '__twat_mcache(__twat$square$impl'],
    ['default-arrow.js', '__twat_mcache('],
  ] as const) {
    assert.ok(cached.get(name)?.includes(call), `${name} of the transformed build calls ${call}`)
    assert.not.ok(plain.get(name)?.includes('__twat_'), `${name} of the plain build is not rewritten`)
  }
})

declarations.after(() => project.cleanup())
declarations.run()
