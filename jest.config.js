// @ts-check
/**
 * Tests by speed and suffix: `*.spec.ts` pure and fast, `*.int-spec.ts` against the real
 * PostgreSQL and Kafka, `*.e2e-spec.ts` against both services running as processes.
 */
const { compilerOptions } = require('./tsconfig.base.json');

const moduleNameMapper = Object.fromEntries(
  Object.entries(compilerOptions.paths).map(([alias, [target]]) => [
    `^${alias}$`,
    `<rootDir>/${target.replace(/^\.\//, '')}`,
  ]),
);

const swc = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      target: 'es2022',
      keepClassNames: true,
      transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
    },
    module: { type: 'commonjs' },
    sourceMaps: 'inline',
  },
];

const swcJs = [
  '@swc/jest',
  { jsc: { parser: { syntax: 'ecmascript' }, target: 'es2022' }, module: { type: 'commonjs' } },
];

/** @param {string} displayName @param {string} suffix @param {Partial<import('jest').Config>} extra */
const project = (displayName, suffix, extra = {}) => ({
  displayName,
  rootDir: __dirname,
  roots: ['<rootDir>/apps', '<rootDir>/libs', '<rootDir>/e2e', '<rootDir>/infra'],
  testMatch: [`**/*.${suffix}.ts`],
  // NestJS 12, jose and cookie ship ES modules only; Jest on Node 20 cannot require them, so SWC turns them into CommonJS.
  transform: { '^.+\\.ts$': swc, '^.+\\.js$': swcJs },
  transformIgnorePatterns: ['/node_modules/(?!(@nestjs|jose|cookie)/)'],
  moduleNameMapper,
  testEnvironment: 'node',
  ...extra,
});

/** @type {import('jest').Config} */
module.exports = {
  projects: [
    project('unit', 'spec'),
    project('int', 'int-spec', { slowTestThreshold: 30 }),
    project('e2e', 'e2e-spec', { slowTestThreshold: 60 }),
  ],
};
