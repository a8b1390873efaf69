import { fileURLToPath } from 'node:url';

/**
 * Where the built dashboard is: `npm run build` writes it to dist/web, beside this module's
 * compiled copy in dist/cli. Run from the sources (tests), the folder does not exist and the API
 * serves no dashboard.
 */
export const DASHBOARD_DIR = fileURLToPath(new URL('../web', import.meta.url));
