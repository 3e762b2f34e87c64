/** The ESL suite against a real FreeSWITCH named by FREESWITCH_ESL (skips with a clear line when unset). */
const base = require('./jest.config.js');
module.exports = { ...base, testMatch: ['<rootDir>/test/freeswitch-real/**/*.test.ts'], testPathIgnorePatterns: ['/node_modules/'] };
