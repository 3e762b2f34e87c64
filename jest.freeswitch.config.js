/** The ESL, IVR and call suites against a real FreeSWITCH named by FREESWITCH_ESL (skipped, saying so, when unset). */
const base = require('./jest.config.js');
if (!process.env.FREESWITCH_ESL) {
  // Jest hides console output of skipped files, so the skip is announced here, once, for the whole suite.
  process.stdout.write('SKIP real-FreeSWITCH suite: FREESWITCH_ESL is not set (host:port:password of a FreeSWITCH with Hotline\'s dialplan)\n');
}
module.exports = { ...base, testMatch: ['<rootDir>/test/freeswitch-real/**/*.test.ts'], testPathIgnorePatterns: ['/node_modules/'] };
