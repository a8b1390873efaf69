import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

/**
 * The dashboard's build. `npm run build` writes it to dist/web, which the query API serves at `/`.
 * `npx vite --config web/vite.config.ts` serves it with hot reload and forwards API calls to a
 * running Vantage on :5000.
 */
const api = process.env.VANTAGE_API ?? 'http://127.0.0.1:5000';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL('../dist/web', import.meta.url)),
    emptyOutDir: true,
    // Hashed file names under /assets/ are what the API serves with immutable cache headers.
    assetsDir: 'assets',
    manifest: true,
    target: 'es2022',
    sourcemap: false,
  },
  server: {
    proxy: {
      '/v1': { target: api, ws: true },
      '/metrics/': api,
    },
  },
});
