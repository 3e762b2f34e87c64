/** Unit and integration tests. Real Postgres/Redis tests create their own database and key prefix. */
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['ts-jest', {}] },
  testMatch: ['<rootDir>/{server,tools,test}/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/freeswitch-real/'],
  testTimeout: 30000,
};
