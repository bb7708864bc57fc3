// Lint rules, including the import boundaries between runtimes (see shared CONVENTIONS):
// engines stay pure, only engines/runtime touches onnxruntime-node, the renderer imports only
// itself, main/common and pure engine code.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const NODE_BUILTINS = ['fs', 'node:fs', 'fs/promises', 'node:fs/promises', 'child_process', 'node:child_process'];
const HOST_PACKAGES = [
  'electron',
  'koa',
  '@koa/*',
  'better-sqlite3',
  'fluent-ffmpeg',
  'react',
  'react-dom',
  'three',
  '@react-three/*',
  'zustand',
];

const restrict = (patterns, paths = []) => ['error', { patterns, paths }];
const groups = (names, message) => ({ group: names, message });

export default tseslint.config(
  { ignores: ['dist/**', 'release/**', 'node_modules/**', '.prof/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      eqeqeq: ['error', 'always'],
      'no-console': ['error', { allow: ['warn', 'error'] }],
    },
  },
  {
    files: ['engines/**/*.ts'],
    ignores: ['engines/runtime/**', 'engines/video/**'],
    rules: {
      'no-restricted-imports': restrict([
        groups(
          [...HOST_PACKAGES, 'onnxruntime-node', 'onnxruntime-*'],
          'engines are pure: no host frameworks or ONNX here',
        ),
        groups([...NODE_BUILTINS, 'node:*'], 'engines are pure: no Node APIs (file I/O belongs to main/)'),
        groups(['**/main/**'], 'engines never import main/'),
      ]),
    },
  },
  {
    files: ['engines/runtime/**/*.ts', 'engines/video/**/*.ts'],
    rules: {
      'no-restricted-imports': restrict([
        groups([...HOST_PACKAGES], 'engines never import host frameworks'),
        groups(['fs', 'node:fs', 'fs/promises', 'node:fs/promises'], 'engines never touch the file system directly'),
        groups(['**/main/**'], 'engines never import main/'),
      ]),
    },
  },
  {
    files: ['main/**/*.ts', 'renderer/**/*.{ts,tsx}'],
    rules: {
      'no-restricted-imports': restrict([
        groups(['onnxruntime-node', 'onnxruntime-*'], 'only engines/runtime imports onnxruntime'),
      ]),
    },
  },
  {
    files: ['main/common/**/*.ts'],
    rules: {
      'no-restricted-imports': restrict([
        groups(
          [...HOST_PACKAGES, 'onnxruntime-*', 'node:*', ...NODE_BUILTINS, 'pino', 'prom-client'],
          'main/common is plain TypeScript shared by every runtime',
        ),
        groups(
          ['../api/**', '../app/**', '../core/**', '../db/**', '../storage/**', '../ipc/**', '../preload/**'],
          'main/common imports nothing else from main/',
        ),
      ]),
    },
  },
  {
    files: ['renderer/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      'no-restricted-imports': restrict([
        groups(
          ['node:*', ...NODE_BUILTINS, 'electron', 'koa', 'better-sqlite3', 'onnxruntime-*', 'pino'],
          'the renderer runs in a sandboxed page',
        ),
        groups(
          [
            '**/main/api/**',
            '**/main/app/**',
            '**/main/core/**',
            '**/main/db/**',
            '**/main/storage/**',
            '**/main/ipc/**',
            '**/main/preload/**',
            '**/engines/runtime/**',
            '**/engines/video/**',
          ],
          'the renderer imports only itself, main/common and pure engine code',
        ),
      ]),
    },
  },
  {
    files: ['main/cli.ts', 'main/cli-entry.ts', 'build/**', 'test/**'],
    rules: { 'no-console': 'off' },
  },
);
