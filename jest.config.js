/**
 * Jest runs the suites as native ES modules (Nest 12 is ESM-only), so it needs
 * NODE_OPTIONS=--experimental-vm-modules (the npm scripts set it). SWC strips the
 * types and emits the decorator metadata Nest's DI reads.
 */
const swc = {
  jsc: {
    target: 'es2022',
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
  },
  module: { type: 'es6' },
  sourceMaps: 'inline',
};

export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', swc] },
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  testMatch: ['<rootDir>/test/**/*.spec.ts'],
  // test/smoke holds consumer projects that `npm run smoke` installs from the packed tarball.
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/smoke/'],
  testTimeout: 30000,
  // Each ESM suite leaves its module graph behind in the process that ran it: run in one
  // process, the heap grew past 2 GB by the last suites, and major collections stalled the
  // event loop for long enough to starve the timing-sensitive two-tier tests (a 60 ms lease
  // could not be renewed). With a limit, Jest runs the suites in a worker it replaces once the
  // worker holds more than this after a suite.
  workerIdleMemoryLimit: '800MB',
};
