// Flat ESLint config. The folder rules enforce ARCHITECTURE.md §2: pure folders import no
// node, electron, native or DOM code; only electron/ imports electron.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

const nodeBuiltins = ['node:*', 'fs', 'path', 'os', 'child_process', 'crypto', 'net', 'http', 'https', 'url', 'util', 'events', 'stream', 'worker_threads'];
const native = ['better-sqlite3', 'serialport', '@serialport/*', 'node-hid', 'pino', 'pino-*'];

const restrict = (patterns, message) => ({
  'no-restricted-imports': ['error', { patterns: [{ group: patterns, message }] }],
});

export default tseslint.config(
  { ignores: ['node_modules/**', '.vite/**', 'out/**', 'dist/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node }, ecmaVersion: 2023, sourceType: 'module' },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      eqeqeq: ['error', 'smart'],
    },
  },
  {
    files: ['state-machines/**/*.ts', 'src/domain/**/*.ts', 'src/shared/**/*.ts'],
    ignores: ['**/*.test.ts'],
    languageOptions: { globals: { ...globals['shared-node-browser'] } },
    rules: restrict(
      [...nodeBuiltins, ...native, 'electron', 'react', 'react-dom', '**/core/**', '**/drivers/**', '**/cli/**'],
      'Pure folder (ARCHITECTURE.md §2): no node, electron, native, DOM or host code here.',
    ),
  },
  {
    files: ['src/core/**/*.ts', 'src/cli/**/*.ts', 'src/payments/**/*.ts', 'drivers/**/*.ts', 'src/server/**/*.ts'],
    rules: restrict(['electron', '**/electron/**', 'react', 'react-dom'], 'Only electron/ imports electron; the core is host-neutral.'),
  },
  {
    // The renderer runs in a sandboxed browser page: it reaches the core only through PosApi.
    files: ['src/renderer/**/*.ts', 'src/renderer/**/*.tsx'],
    ignores: ['src/renderer/vite-env.d.ts'],
    languageOptions: { globals: { ...globals.browser } },
    rules: restrict(
      [...nodeBuiltins, ...native, 'electron', 'xstate', '**/core/**', '**/drivers/**', '**/cli/**', '**/server/**', '**/state-machines/**', '**/electron/**', '**/payments/**'],
      'The renderer imports only src/shared and src/domain (ARCHITECTURE.md §2).',
    ),
  },
  {
    files: ['src/domain/**/*.ts'],
    rules: restrict(
      [...nodeBuiltins, ...native, 'electron', 'react', 'react-dom', 'xstate', '**/core/**', '**/drivers/**', '**/cli/**', '**/state-machines/**'],
      'src/domain is pure functions: no I/O, no machines, no hosts.',
    ),
  },
);
