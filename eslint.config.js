// @ts-check
const nx = require('@nx/eslint-plugin');

const frameworks = [
  '@nestjs/*',
  'typeorm',
  'kafkajs',
  'pg',
  'fastify',
  'class-validator',
  'class-transformer',
];

// Test code: the suites, and the test support they share (`libs/platform/testing`, each library's
// `src/testing/` entry point, imported as `@tally/<lib>/testing`). End-to-end tests and benchmarks are
// not shipped either. Everything else ships in a service and may not import test support.
const testFiles = ['**/*.spec.ts', '**/*.int-spec.ts', '**/*.e2e-spec.ts', 'e2e/**/*.ts'];
const testSupport = ['libs/platform/testing/**/*.ts', 'libs/**/src/testing/**/*.ts'];
const notShipped = [...testFiles, ...testSupport, 'bench/**/*.ts'];

/** @param {{ testing: boolean }} scope whether the file may use test support (`type:testing`) */
const depConstraints = ({ testing }) => {
  const withTesting = (/** @type {string[]} */ tags) => (testing ? [...tags, 'type:testing'] : tags);
  return [
    // The read side never depends on the write side, and the reverse; both may use shared libs.
    { sourceTag: 'side:write', onlyDependOnLibsWithTags: ['side:write', 'side:shared'] },
    { sourceTag: 'side:read', onlyDependOnLibsWithTags: ['side:read', 'side:shared'] },
    { sourceTag: 'side:shared', onlyDependOnLibsWithTags: ['side:shared'] },
    // End-to-end tests check both sides against each other (e.g. read tables against the event store).
    { sourceTag: 'side:both', onlyDependOnLibsWithTags: ['*'] },
    // Contracts and domain are pure: no framework, no I/O library.
    {
      sourceTag: 'type:contracts',
      onlyDependOnLibsWithTags: ['type:contracts'],
      bannedExternalImports: frameworks,
    },
    // @tally/client is published on its own: it may import nothing of ours (it would not resolve).
    {
      sourceTag: 'type:client',
      onlyDependOnLibsWithTags: ['type:client'],
      bannedExternalImports: frameworks,
    },
    {
      sourceTag: 'type:domain',
      onlyDependOnLibsWithTags: withTesting(['type:domain', 'type:contracts']),
      bannedExternalImports: frameworks,
    },
    {
      sourceTag: 'type:platform',
      onlyDependOnLibsWithTags: withTesting(['type:platform', 'type:contracts']),
    },
    {
      sourceTag: 'type:feature',
      onlyDependOnLibsWithTags: withTesting([
        'type:feature',
        'type:domain',
        'type:contracts',
        'type:platform',
      ]),
    },
    { sourceTag: 'type:e2e', onlyDependOnLibsWithTags: ['*'] },
    { sourceTag: 'type:bench', onlyDependOnLibsWithTags: ['*'] },
    {
      sourceTag: 'type:testing',
      onlyDependOnLibsWithTags: ['type:platform', 'type:contracts', 'type:testing'],
    },
    {
      sourceTag: 'type:app',
      onlyDependOnLibsWithTags: withTesting([
        'type:feature',
        'type:domain',
        'type:contracts',
        'type:platform',
      ]),
    },
  ];
};

/** @param {{ testing: boolean }} scope */
const moduleBoundaries = (scope) => [
  'error',
  { enforceBuildableLibDependency: false, allow: [], depConstraints: depConstraints(scope) },
];

module.exports = [
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  ...nx.configs['flat/javascript'],
  { ignores: ['**/dist', '**/node_modules', '**/coverage', 'infra/kafka/target', 'bench/results'] },
  {
    // .tsx: the admin console's web app (apps/admin-console/web).
    files: ['**/*.ts', '**/*.tsx'],
    rules: {
      '@nx/enforce-module-boundaries': moduleBoundaries({ testing: false }),
      // A library's own test support (`./testing`, `@tally/<lib>/testing`) is invisible to the tag rule
      // above, because it lives inside the library: name it here.
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^@tally/[^/]+/testing(/|$)|(^|/)testing(/|$)',
              message: 'Test support is for tests only: shipping code cannot import a testing entry point.',
            },
          ],
        },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Transactions are opened only through @tally/database's `transaction` / `inTransaction`, which
    // check what COMMIT answered (ROLLBACK, after an error swallowed inside) and tell a lost COMMIT
    // from a failed one. A hand-written BEGIN … COMMIT gets neither right by default.
    files: ['**/*.ts'],
    ignores: [...notShipped, 'libs/platform/database/src/transaction.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector:
            "CallExpression[callee.property.name='query'] > Literal.arguments:first-child[value=/^\\s*(BEGIN|START\\s+TRANSACTION|COMMIT|ROLLBACK|END)\\b/i]",
          message:
            'Open transactions with transaction()/inTransaction() from @tally/database: they check the answer to COMMIT.',
        },
      ],
    },
  },
  {
    // Tests, test support and benchmarks may use test support; they are not shipped in a service.
    files: notShipped,
    rules: {
      '@nx/enforce-module-boundaries': moduleBoundaries({ testing: true }),
      'no-restricted-imports': 'off',
    },
  },
  {
    // Tests read JSON responses and fixtures whose shape the assertions themselves check.
    files: testFiles,
    rules: { '@typescript-eslint/no-explicit-any': 'off', '@typescript-eslint/no-non-null-assertion': 'off' },
  },
  {
    files: ['**/*.js'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: {
        require: 'readonly',
        module: 'writable',
        __dirname: 'readonly',
        process: 'readonly',
        console: 'readonly',
      },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
];
