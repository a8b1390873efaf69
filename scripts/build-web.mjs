// The dashboard's half of `npm run build`: web/ into dist/web, which the query API serves at `/`.
//
// Vite builds it wherever its native parts load. They do not after `npm ci --omit=optional`: npm
// counts the per-platform binaries of rolldown (Vite's bundler) and lightningcss (its CSS minifier)
// as optional dependencies, and so is rolldown's WASM binding, which declares cpu "wasm32": npm
// refuses it as a plain dependency on any real CPU (EBADPLATFORM). There esbuild-wasm, a plain
// dependency that runs on every platform, builds the same page from the same sources into the same
// place: one bundle rather than a chunk per page, and no .vite/manifest.json (which only
// bench/browser-bench.ts reads), so a working dashboard with no optional package.
// The layout below mirrors web/vite.config.ts (outDir, assetsDir, target); keep them in step.
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const web = join(root, 'web');
const outDir = join(root, 'dist', 'web');
const assets = join(outDir, 'assets');

/** Vite's native parts that do not load here (empty where Vite can build). */
async function missingNativeParts() {
  const fromVite = createRequire(createRequire(import.meta.url).resolve('vite/package.json'));
  const missing = [];
  try {
    await import(fromVite.resolve('rolldown'));
  } catch {
    missing.push('rolldown');
  }
  try {
    fromVite('lightningcss');
  } catch {
    missing.push('lightningcss');
  }
  return missing;
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
  const lines = readFileSync(join(web, 'index.html'), 'utf8').split('\n');
  const source = '<script type="module" src="/src/main.tsx"></script>';
  const at = lines.findIndex((line) => line.trim() === source);
  if (at < 0) throw new Error(`web/index.html no longer loads the app with ${source}`);
  lines.splice(at, 1);
  // The entry moves into <head>, where Vite puts it: a module script runs after parsing either way.
  const built = lines.join('\n').replace('</head>', `  ${tags}\n  </head>`);
  writeFileSync(join(outDir, 'index.html'), built);
  if (existsSync(join(web, 'public'))) cpSync(join(web, 'public'), outDir, { recursive: true });

  const files = Object.keys(result.metafile.outputs).length;
  console.log(
    `dashboard built by esbuild-wasm into ${relative(root, outDir)}: ${files} files in ${Date.now() - started} ms`,
  );
}

const missing = await missingNativeParts();
if (missing.length === 0) {
  await buildWithVite();
} else {
  // rolldown's own message blames an npm bug and advises deleting package-lock.json: wrong here.
  console.log(
    `The native binaries of ${missing.join(' and ')} are not installed (optional dependencies, ` +
      'as after npm ci --omit=optional): building the dashboard with esbuild-wasm instead of Vite.',
  );
  await buildWithEsbuildWasm();
}
