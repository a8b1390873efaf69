// The dashboard's half of `npm run build`: web/ into dist/web, which the query API serves at `/`.
//
// Vite builds it wherever its native parts load. They do not after `npm ci --omit=optional`: npm
// counts rolldown's and lightningcss's per-platform binaries as optional dependencies (as it must,
// since each platform gets a different one), and rolldown's own fallback, its WASM binding, is
// optional too and declares cpu "wasm32", so npm refuses it as a plain dependency. There esbuild-wasm,
// a plain dependency that runs on every platform, builds the same files with the same layout:
// slower and not byte-identical to Vite's output, but a working dashboard with no optional package.
// The layout below mirrors web/vite.config.ts (outDir, assetsDir, target); keep them in step.
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const web = join(root, 'web');
const outDir = join(root, 'dist', 'web');
const assets = join(outDir, 'assets');

/** Why Vite cannot build here: its native parts that fail to load, or none. */
async function viteNativeParts() {
  const fromVite = createRequire(createRequire(import.meta.url).resolve('vite/package.json'));
  const missing = [];
  try {
    await import(fromVite.resolve('rolldown'));
  } catch (error) {
    missing.push(`rolldown (${firstLine(error)})`);
  }
  try {
    fromVite('lightningcss');
  } catch (error) {
    missing.push(`lightningcss (${firstLine(error)})`);
  }
  return missing;
}

function firstLine(error) {
  return String(error instanceof Error ? error.message : error).split('\n')[0];
}

async function buildWithVite() {
  const { build } = await import('vite');
  await build({ configFile: join(web, 'vite.config.ts') });
}

async function buildWithEsbuildWasm() {
  const esbuild = await import('esbuild-wasm');
  const started = Date.now();
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(assets, { recursive: true });
  const result = await esbuild.build({
    absWorkingDir: web,
    entryPoints: ['src/main.tsx'],
    tsconfig: join(web, 'tsconfig.json'),
    bundle: true,
    // No code splitting: esbuild would leave the CSS that a lazily loaded page imports in a file
    // nothing loads. One bundle carries every page and all the CSS instead.
    format: 'esm',
    target: 'es2022',
    jsx: 'automatic',
    minify: true,
    // What Vite defines for a production build, so React drops its development checks.
    define: {
      'process.env.NODE_ENV': '"production"',
      'import.meta.env': JSON.stringify({
        MODE: 'production',
        DEV: false,
        PROD: true,
        SSR: false,
        BASE_URL: '/',
      }),
    },
    outdir: assets,
    publicPath: '/assets/',
    entryNames: '[name]-[hash]',
    assetNames: '[name]-[hash]',
    metafile: true,
    logLevel: 'warning',
  });
  await esbuild.stop();

  const entry = Object.entries(result.metafile.outputs).find(
    ([, output]) => output.entryPoint === 'src/main.tsx',
  );
  if (!entry) throw new Error('esbuild wrote no output for web/src/main.tsx');
  const [entryFile, { cssBundle }] = entry;
  const href = (file) => `/assets/${basename(file)}`;
  const tags =
    `<script type="module" crossorigin src="${href(entryFile)}"></script>` +
    (cssBundle ? `\n    <link rel="stylesheet" crossorigin href="${href(cssBundle)}">` : '');
  const html = readFileSync(join(web, 'index.html'), 'utf8');
  const source = '<script type="module" src="/src/main.tsx"></script>';
  if (!html.includes(source)) throw new Error(`web/index.html no longer loads the app with ${source}`);
  // The entry moves into <head>, where Vite puts it: a module script runs after parsing either way.
  const built = html.replace(`    ${source}\n`, '').replace('  </head>', `    ${tags}\n  </head>`);
  writeFileSync(join(outDir, 'index.html'), built);
  if (existsSync(join(web, 'public'))) cpSync(join(web, 'public'), outDir, { recursive: true });

  const files = Object.keys(result.metafile.outputs).length;
  console.log(
    `dashboard built by esbuild-wasm into ${relative(root, outDir)}: ${files} files in ${Date.now() - started} ms`,
  );
}

const missing = await viteNativeParts();
if (missing.length === 0) {
  await buildWithVite();
} else {
  console.log(
    `Vite's native parts are not installed (${missing.join('; ')}): building the dashboard with esbuild-wasm.`,
  );
  await buildWithEsbuildWasm();
}
