// @ts-check
import js from '@eslint/js'
import { defineConfig } from 'eslint/config'
import tseslint from 'typescript-eslint'

/** Imports a layer may not make (DESIGN.md Part 2: dependencies point inward). */
const ours = (...dirs) => dirs.flatMap((dir) => [`**/${dir}/*`, `../${dir}/*`, `./${dir}/*`])
// Tests may reach across layers (e.g. a policy test uses the real issuer presets); the boundaries guard src.
const boundary = (files, patterns, message) => ({
  files,
  ignores: ['**/*.test.ts'],
  rules: { 'no-restricted-imports': ['error', { patterns: [{ group: patterns, message }] }] },
})
const SERVER_LAYERS = ['app*', 'http', 'store', 'blobs', 'registry', 'ecosystems', 'web', 'issuer', 'cli', 'ci']
/** Packages only the server needs; a CI job that loads them pays seconds and a native build for nothing. */
const SERVER_PACKAGES = ['fastify', '@fastify/*', 'kysely', 'better-sqlite3', 'pg', 'pino', '@aws-sdk/*']

export default defineConfig(
  { ignores: ['dist/', 'node_modules/', 'data/', '.bench/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: { allowDefaultProject: ['eslint.config.js'] }, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'off',
    },
  },
  { files: ['**/*.js'], ...tseslint.configs.disableTypeChecked },
  {
    files: ['**/*.test.ts', 'test/**', 'bench/**', 'scripts/**'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-floating-promises': ['error', { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['describe', 'it', 'test', 'before', 'after', 'beforeEach', 'afterEach', 'suite'] }] }],
    },
  },
  boundary(
    ['src/oidc/**', 'src/policy/**', 'src/config/**', 'src/lib/**'],
    [...ours(...SERVER_LAYERS, 'oidc', 'policy', 'config'), 'fastify', 'kysely', '@aws-sdk/*'],
    'oidc/, policy/, config/ and lib/ import only lib/ and errors.ts (DESIGN.md Part 2)',
  ),
  boundary(['src/ci/**'], [...ours(...SERVER_LAYERS.filter((d) => d !== 'ci'), 'policy', 'config', 'oidc'), ...SERVER_PACKAGES], 'ci/ loads no server code'),
  // The CI-side commands run in CI jobs: they reach the server only over HTTP (test/integration/cli-ci-boundary.test.ts).
  boundary(
    ['src/cli/commands/oidc-request-token.ts', 'src/cli/commands/publish.ts'],
    [...ours(...SERVER_LAYERS.filter((d) => d !== 'ci' && d !== 'cli'), 'policy', 'config', 'oidc', 'lib'), './*', '../*.js', '!../command.js', '!../parse-options.js', '../../*.js', ...SERVER_PACKAGES],
    'the CI-side commands import only ci/, cli/command.ts and cli/parse-options.ts',
  ),
  boundary(['src/issuer/**'], [...ours('http', 'store', 'blobs', 'ecosystems', 'web', 'cli', 'ci'), 'fastify', 'kysely', '@aws-sdk/*', 'better-sqlite3', 'pg'], 'issuer/ is a domain: no transport, database or storage imports'),
  boundary(['src/registry/**'], [...ours('http', 'store', 'blobs', 'ecosystems', 'web', 'cli'), 'fastify', 'kysely', '@aws-sdk/*', 'better-sqlite3', 'pg'], 'registry/ is the domain: no framework, database or storage imports'),
)
