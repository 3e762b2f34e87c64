/**
 * The calls scenarios against a real FreeSWITCH (FREESWITCH_ESL=host:port:password, with
 * Hotline's dialplan and an agent endpoint able to answer). Without one, the suite is
 * skipped: the simulator suite (test/calls) runs the same scenarios.
 */
const esl = process.env.FREESWITCH_ESL;
if (!esl) console.warn('test/freeswitch-real/calls.test.ts: FREESWITCH_ESL is not set; skipping the real-FreeSWITCH calls suite');
const describeReal = esl ? describe : describe.skip;

describeReal('calls against a real FreeSWITCH', () => {
  test.todo('queue → agent → recorded → hold → blind transfer → consult → three-way → survey (needs SIPp callers and answering agent endpoints on the box)');
  test.todo('abandon while queued and while ringing; ring timeout to the next agent');
  test.todo('blacklist in and out; click-to-call');
});
