/**
 * Import direction between modules (docs/architecture.md): core at the bottom, cli at the top,
 * ingest / worker / api never import each other and meet only through bus and storage.
 */
const mod = (name) => `^src/${name}/`;
/**
 * A module's settings file (`*-settings.ts`): its flags, env vars, defaults and schemas, and the
 * function turning parsed values into its options. src/config gathers them (Loki's RegisterFlags),
 * so config may import these files, and they only `src/config/setting-spec.ts` (the spec type and
 * the shared schemas) from config; anything else in config would close a cycle.
 */
const SETTINGS_FILE = '^src/[a-z/-]+-settings\\.ts$';
const SETTINGS_TABLE = '^src/config/setting-spec\\.ts$';
module.exports = {
  forbidden: [
    { name: 'core-is-pure', severity: 'error', from: { path: mod('core') }, to: { path: '^src/(?!core/)' } },
    {
      name: 'query-imports-core-only',
      severity: 'error',
      from: { path: mod('query') },
      to: { path: '^src/(?!core/|query/)' },
    },
    {
      name: 'infra-imports-core-and-config',
      severity: 'error',
      from: { path: '^src/(bus|telemetry|http)/' },
      to: { path: '^src/(ingest|worker|api|cli|query|storage)/' },
    },
    {
      name: 'storage-runs-compiled-queries',
      comment: 'A store may use query (it compiles the plans of VQL to its own SQL), nothing above it.',
      severity: 'error',
      from: { path: mod('storage') },
      to: { path: '^src/(ingest|worker|api|cli|bus)/' },
    },
    {
      name: 'ingest-isolated',
      severity: 'error',
      from: { path: mod('ingest') },
      to: { path: '^src/(worker|api|cli)/' },
    },
    {
      name: 'worker-isolated',
      severity: 'error',
      from: { path: mod('worker') },
      to: { path: '^src/(ingest|api|cli)/' },
    },
    {
      name: 'api-isolated',
      severity: 'error',
      from: { path: mod('api') },
      to: { path: '^src/(ingest|worker|cli)/' },
    },
    {
      name: 'alerting-reads-stores-only',
      comment: 'The ruler reads the stores and the query language; the API serves its routes.',
      severity: 'error',
      from: { path: mod('alerting') },
      to: { path: '^src/(ingest|worker|api|cli)/' },
    },
    {
      name: 'http-is-plumbing',
      severity: 'error',
      from: { path: mod('http') },
      to: { path: '^src/(bus|storage|config)/', pathNot: SETTINGS_TABLE },
    },
    {
      name: 'config-below-roles',
      severity: 'error',
      from: { path: mod('config') },
      to: { path: '^src/(ingest|worker|api|cli|bus|storage|telemetry|http|query)/', pathNot: SETTINGS_FILE },
    },
    {
      name: 'settings-files-declare',
      comment: "A module's settings file imports its own module, core and the settings table, nothing else.",
      severity: 'error',
      from: { path: '^src/(?!config/)([^/]+)/[a-z/-]*-settings\\.ts$' },
      to: { path: '^src/', pathNot: ['^src/$1/', '^src/core/index\\.ts$', SETTINGS_TABLE] },
    },
    {
      name: 'settings-gathered-by-config',
      comment: "Only config reads another module's settings file; the rest use the module's index.ts.",
      severity: 'error',
      from: { path: '^src/(?!config/)([^/]+)/' },
      to: { path: SETTINGS_FILE, pathNot: '^src/$1/' },
    },
    {
      name: 'setting-spec-for-settings-files',
      comment: 'Outside config, only settings files use the settings table.',
      severity: 'error',
      from: { path: '^src/(?!config/)', pathNot: SETTINGS_FILE },
      to: { path: SETTINGS_TABLE },
    },
    { name: 'only-cli-wires', severity: 'error', from: { pathNot: '^src/cli/' }, to: { path: mod('cli') } },
    {
      name: 'through-module-index',
      comment: 'Another module is used through its index.ts, which names what it exports.',
      severity: 'error',
      from: { path: '^src/([^/]+)/' },
      to: { path: '^src/', pathNot: ['^src/$1/', '^src/[^/]+/index\\.ts$', SETTINGS_FILE, SETTINGS_TABLE] },
    },
    {
      name: 'web-talks-to-the-api-over-http',
      comment:
        "The dashboard shares only the API's types with the server (src/core/api-types.ts, alerting-api-types.ts, stream-protocol.ts) and its step arithmetic (step-value.ts, free of Node); its tests may use more.",
      severity: 'error',
      from: { path: '^web/src/', pathNot: '\\.test\\.tsx?$' },
      to: {
        path: '^src/',
        pathNot: '^src/core/(api-types|alerting-api-types|stream-protocol|health-score|step-value)\\.ts$',
      },
    },
    { name: 'no-circular', severity: 'error', from: {}, to: { circular: true } },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '\\.test\\.ts$' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
  },
};
