// Bundle the CLI into one ESM file (fast cold start: one file to read, nothing to resolve).
import { build } from 'esbuild';
import { readFileSync, rmSync } from 'node:fs';
import { URL } from 'node:url';

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));

// chunk names change with their content: old ones would pile up
rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true });

await build({
  entryPoints: ['src/cli/berth.ts'],
  outdir: 'dist',
  outExtension: { '.js': '.mjs' },
  // the engine is imported on first use, so --version and --help load only the CLI's chunk
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  minify: true,
  sourcemap: 'linked',
  define: { __BERTH_VERSION__: JSON.stringify(version) },
  // ESM output has no `require`; some dependencies (ajv) use it
  banner: {
    js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
  },
  logLevel: 'warning',
});
