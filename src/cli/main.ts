#!/usr/bin/env node
/**
 * `twat-cache`, the command line: what is cached in a project (`scan`) and on this machine (`stats`, `path`), its
 * maintenance (`clear`, `prune`) and what this machine gives twat-cache (`doctor`). The arguments are parsed with
 * cac; each command lives in its own module, imported when it runs, so only `scan` loads the build step's packages
 * (TypeScript, magic-string). Exit codes: 0 ok, 1 problems found, 2 usage error (exit.ts).
 */
import { createRequire } from 'node:module'
import { cac } from 'cac'
import { ExitCode, UsageError } from './exit.js'
import { Output } from './output.js'

const { version } = createRequire(import.meta.url)('../../package.json') as { version: string }

/** A flag given once or several times, as a list of strings (cac gives a value, or an array when repeated). */
function list(value: unknown): string[] {
  if (value === undefined || value === false) return []
  return (Array.isArray(value) ? value : [value]).map(String)
}
function text(value: unknown): string | undefined {
  return value === undefined || value === true || value === false ? undefined : String(value)
}
function count(value: unknown, flag: string): number | undefined {
  if (value === undefined) return undefined
  const n = Number(value)
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${flag} ${String(value)}: expected a whole number ≥ 1`)
  return n
}

/** --color / --no-color as given on the command line (cac would default a negated flag to true). */
function colorFlag(argv: readonly string[]): boolean | undefined {
  const last = [...argv].reverse().find((a) => a === '--color' || a === '--no-color')
  return last === undefined ? undefined : last === '--color'
}

type Options = Record<string, unknown>

export async function main(argv: readonly string[] = process.argv): Promise<ExitCode> {
  const json = argv.includes('--json')
  const out = new Output({ json, color: colorFlag(argv) })
  const cli = cac('twat-cache')
  let run: (() => Promise<ExitCode>) | undefined

  cli
    .option('--json', 'Machine-readable output (one JSON document on stdout)')
    .option('--color', 'Color the output even when it is not a terminal')
    .option('--no-color', 'Never color the output (NO_COLOR=1 does the same)')

  cli
    .command('scan [...dirs]', 'List the cache sites of a project, with the build errors and warnings (default: the current folder)')
    .option('--root <dir>', 'Project root: ids are relative to it (default: the current folder)')
    .option('--include <glob>', 'Only files matching this glob, relative to the root (repeatable)')
    .option('--exclude <glob>', 'Skip files matching this glob (repeatable; node_modules, dist and .git are always skipped)')
    .option('--project <tsconfig>', 'The tsconfig.json for the type checks (default: the nearest from the root)')
    .option('--defaults <json>', 'The plugin\'s defaults option, as JSON: \'{"ttl":"1h"}\'')
    .option('--no-types', 'Skip the type checks of persistent caches')
    .option('--strict', 'Exit 1 on warnings too')
    .example('twat-cache scan src --exclude "**/*.test.ts"')
    .action((dirs: unknown[], o: Options) => {
      run = async () =>
        (await import('./commands/scan.js')).scan(
          {
            dirs: list(dirs),
            root: text(o.root),
            include: list(o.include),
            exclude: list(o.exclude),
            project: text(o.project),
            defaults: text(o.defaults),
            strict: o.strict === true,
            types: o.types !== false,
          },
          out,
        )
    })

  cli
    .command('stats', 'Show the persistent caches on disk (and in Redis with --url): entries, size, age, versions')
    .option('--dir <dir>', 'Cache root (default: $TWAT_CACHE_DIR, else the platform cache folder)')
    .option('--folder <name>', 'Only this cache folder (folderName)')
    .option('--url <url>', "Also list acache's entries in Redis (redis://host:port)")
    .option('--watch [seconds]', 'Refresh every few seconds (default 2) until Ctrl-C')
    .option('--times <n>', 'With --watch: stop after n refreshes')
    .action((o: Options) => {
      const watch = o.watch === undefined ? undefined : o.watch === true ? 2 : Number(o.watch)
      run = async () =>
        (await import('./commands/stats.js')).stats(
          { dir: text(o.dir), folder: text(o.folder), url: text(o.url), watch, times: count(o.times, '--times') },
          out,
        )
    })

  cli
    .command(
      'clear [...names]',
      'Delete the stored entries of functions (ids or globs, as stats shows them), --all, or those carrying a --tag',
    )
    .option('--all', 'Every function')
    .option('--dir <dir>', 'Cache root (default: $TWAT_CACHE_DIR, else the platform cache folder)')
    .option('--folder <name>', 'Only this cache folder (folderName)')
    .option('--url <url>', 'Also clear in Redis (redis://host:port)')
    .option('--yes', 'Do not ask (needed when not on a terminal)')
    .option(
      '--tag <tag>',
      'Only the entries carrying this tag (repeatable); without names, also invalidated in every store, as invalidateTag does',
    )
    .example('twat-cache clear "src/prices.ts#*" --yes')
    .example('twat-cache clear --tag prices --url redis://127.0.0.1:6379 --yes')
    .action((names: unknown[], o: Options) => {
      run = async () =>
        (await import('./commands/clear.js')).clear(
          {
            names: list(names),
            all: o.all === true,
            dir: text(o.dir),
            folder: text(o.folder),
            url: text(o.url),
            yes: o.yes === true,
            tags: list(o.tag),
            interactive: Boolean(process.stdin.isTTY && process.stderr.isTTY),
          },
          out,
        )
    })

  cli
    .command('prune', 'Remove expired entries, old versions, stale temp files and damaged databases; report the bytes freed')
    .option('--dir <dir>', 'Cache root (default: $TWAT_CACHE_DIR, else the platform cache folder)')
    .option('--folder <name>', 'Only this cache folder (folderName)')
    .option('--dry-run', 'Say what would be removed, remove nothing')
    .action((o: Options) => {
      run = async () =>
        (await import('./commands/prune.js')).prune({ dir: text(o.dir), folder: text(o.folder), dryRun: o.dryRun === true }, out)
    })

  cli.command('path [folder]', 'Print the cache root, or the folder of a folderName').action((folder: unknown) => {
    run = async () => (await import('./commands/path.js')).cachePath({ folder: folder === undefined ? undefined : String(folder) }, out)
  })

  cli
    .command('doctor', 'Check Node.js, the engines that load here, the cache root, Redis (--url) and the build step')
    .option('--dir <dir>', 'Cache root (default: $TWAT_CACHE_DIR, else the platform cache folder)')
    .option('--url <url>', 'Check that this Redis answers (redis://host:port)')
    .action((o: Options) => {
      run = async () => (await import('./commands/doctor.js')).doctor({ dir: text(o.dir), url: text(o.url), root: process.cwd() }, out)
    })

  cli.help((sections) => {
    sections.push({
      title: 'Exit codes',
      body: '  0  done, nothing wrong found\n  1  problems found (scan errors, failed doctor checks), nothing matched, or a store failed\n  2  usage error (bad flag or value; clear without --yes off a terminal)',
    })
  })
  cli.version(version)

  try {
    const parsed = cli.parse([...argv], { run: false })
    if (parsed.options.help || parsed.options.version) return ExitCode.ok
    if (!cli.matchedCommand) {
      const name = cli.args[0]
      if (name !== undefined)
        throw new UsageError(`unknown command "${name}": the commands are scan, stats, clear, prune, path, doctor (twat-cache --help)`)
      cli.outputHelp()
      return ExitCode.usage
    }
    await cli.runMatchedCommand()
    return await run!()
  } catch (error) {
    return report(error, out)
  }
}

/** Print an error the user can act on (JSON in --json mode) and give its exit code. */
function report(error: unknown, out: Output): ExitCode {
  const e = error instanceof Error ? error : new Error(String(error))
  const usage = e instanceof UsageError || e.name === 'CACError'
  const code = usage ? ExitCode.usage : ExitCode.problems
  const errorCode = (e as { code?: unknown }).code
  if (out.json)
    out.document({
      error: {
        code: typeof errorCode === 'string' ? errorCode : usage ? 'TWAT_CACHE_CLI_USAGE' : 'TWAT_CACHE_CLI_FAILED',
        message: e.message,
      },
    })
  else
    out.note(
      `${out.bad('twat-cache:')} ${e.message.replace(/^twat-cache: /, '')}${usage && !(e instanceof UsageError) ? ' (twat-cache --help)' : ''}`,
    )
  if (!usage && process.env.TWAT_CACHE_DEBUG && e.stack) out.note(e.stack)
  return code
}

process.exitCode = await main()
