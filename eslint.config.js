// Lint rules, including the layering rules of ../shared/DESIGN.md: a layer may import only
// the layers below it, and the pure core imports nothing that does I/O.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const io = ['fs', 'fs/*', 'child_process', 'net', 'http', 'https', 'dgram', 'os', 'worker_threads'];
const ioModules = [...io, ...io.map((m) => `node:${m}`)];
const layer = (name) => [`**/${name}/*`, `../${name}`, `./${name}`];
/** Layers each folder must not import (everything above it, and siblings it has no business with). */
const forbidden = {
  core: [
    'sys',
    'archive',
    'content',
    'snapshot',
    'image',
    'runtime',
    'volume',
    'network',
    'engine',
    'cli',
    'distribution',
  ],
  sys: ['archive', 'content', 'snapshot', 'image', 'runtime', 'volume', 'network', 'engine', 'cli'],
  archive: ['content', 'snapshot', 'image', 'runtime', 'volume', 'network', 'engine', 'cli'],
  content: ['archive', 'snapshot', 'image', 'runtime', 'volume', 'network', 'engine', 'cli'],
  snapshot: ['image', 'runtime', 'volume', 'network', 'engine', 'cli'],
  image: ['runtime', 'volume', 'network', 'engine', 'cli'],
  // the runtime knows nothing of networks or volumes: it gets a netns path and a list of mounts
  runtime: ['volume', 'network', 'engine', 'cli'],
  volume: ['archive', 'content', 'snapshot', 'image', 'runtime', 'network', 'engine', 'cli'],
  // the network layer knows a container only as an ID and a namespace
  network: ['archive', 'content', 'snapshot', 'image', 'runtime', 'volume', 'engine', 'cli'],
  // the registry client and server: blobs and images, nothing that runs containers
  distribution: ['runtime', 'volume', 'network', 'engine', 'cli'],
  engine: ['cli'],
  cli: [
    'sys',
    'archive',
    'content',
    'snapshot',
    'image',
    'runtime',
    'volume',
    'network',
    'distribution',
  ],
};

export default tseslint.config(
  // examples/ are users' apps (CommonJS Node.js), not berth's code
  { ignores: ['node_modules/', 'dist/', 'native/build/', 'bench/', 'examples/'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: { allowDefaultProject: ['*.js', 'scripts/*.mjs'] } },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
    },
  },
  ...Object.entries(forbidden).map(([dir, layers]) => ({
    files: [`src/${dir}/**/*.ts`],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths:
            dir === 'core'
              ? ioModules.map((name) => ({ name, message: 'the core is pure: no I/O' }))
              : [],
          patterns: [
            {
              group: layers.flatMap(layer),
              message: `src/${dir} may not import this layer (see DESIGN.md, Layers)`,
            },
          ],
        },
      ],
    },
  })),
  {
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-floating-promises': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
    },
  },
  { files: ['**/*.js', '**/*.mjs'], ...tseslint.configs.disableTypeChecked },
);
