// Architecture rules, checked by test/architecture.test.ts (npx depcruise src): no import cycles, and the runtime's
// layers only depend downwards (see ARCHITECTURE.md). The runtime never imports the build step.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', from: {}, to: { circular: true } },
    {
      name: 'runtime-without-build-step',
      comment: 'The runtime ships into programs: it must not reach the transform, the plugins, or build-time packages.',
      severity: 'error',
      from: { path: '^src/runtime/' },
      to: { path: ['^src/transform/', '^src/plugins/', '^node_modules/(typescript|magic-string|unplugin)/'] },
    },
    {
      name: 'api-below-caches',
      comment: 'The builders know cache kinds only through their definitions (api/kinds.ts).',
      severity: 'error',
      from: { path: '^src/runtime/api/' },
      to: { path: '^src/runtime/caches/' },
    },
    {
      name: 'engines-below-calls',
      comment: 'Engines know nothing of the call pipeline, the caches or the public builders.',
      severity: 'error',
      from: { path: '^src/runtime/engines/' },
      to: { path: '^src/runtime/(call|caches|api)/' },
    },
    {
      name: 'call-below-caches',
      comment: 'The pipeline is configured by the caches, never the other way round.',
      severity: 'error',
      from: { path: '^src/runtime/call/' },
      to: { path: '^src/runtime/(caches|api)/' },
    },
    {
      name: 'foundations-at-the-bottom',
      comment: 'keys, options, report, tags and platform are used by everything above and use nothing above them.',
      severity: 'error',
      from: { path: '^src/runtime/(keys|options|report|platform|tags)/' },
      to: { path: '^src/runtime/(call|caches|api|engines)/' },
    },
  ],
  options: {
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '\\.d\\.ts$' },
  },
}
