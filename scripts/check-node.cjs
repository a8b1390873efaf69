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
