// Builds the native addon (native/build/Release/berth_native.node) with node-gyp, offline.
//
// Headers come from the running Node's own installation: official tarballs, nvm and Debian's
// package all ship them as <prefix>/include/node, where <prefix> is two levels above the node
// binary. node-gyp never downloads anything when --nodedir points at them.
import { spawnSync } from 'node:child_process';
import console from 'node:console';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const prefix = path.resolve(path.dirname(process.execPath), '..');
const nodedir = process.env.npm_config_nodedir || prefix;
if (!existsSync(path.join(nodedir, 'include', 'node', 'node_api.h'))) {
  console.error(
    `build:native: no Node headers in ${nodedir}/include/node; ` +
      'set npm_config_nodedir to a Node installation that has them',
  );
  process.exit(1);
}

const gyp = createRequire(import.meta.url).resolve('node-gyp/bin/node-gyp.js');
const result = spawnSync(
  process.execPath,
  [gyp, 'rebuild', '--directory', here, `--nodedir=${nodedir}`, ...process.argv.slice(2)],
  { stdio: 'inherit' },
);
process.exit(result.status ?? 1);
