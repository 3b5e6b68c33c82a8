// One jest run for the whole monorepo. Sources are compiled by swc on the fly, so tests
// never need a build; tests that start real processes use the built dist (./scripts/test builds first).
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/packages', '<rootDir>/apps'],
  testMatch: ['**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  transform: {
    '^.+\\.(t|mj|j)s$': ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript' } }, module: { type: 'commonjs' } }],
  },
  // ESM-only dependencies are compiled to CommonJS like our own sources.
  transformIgnorePatterns: ['/node_modules/(?!(p-retry|is-network-error)/)'],
  moduleNameMapper: {
    '^@mesh/([a-z-]+)$': '<rootDir>/packages/$1/src/index.ts',
    '^@mesh/core/statuses$': '<rootDir>/packages/core/src/statuses.ts',
  },
  globalSetup: '<rootDir>/packages/testing/src/jest-global-setup.ts',
  testTimeout: 30000,
  slowTestThreshold: 20,
};
