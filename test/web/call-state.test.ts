/** The bar's state as folded from realtime events (web-agent/src/calls/callState.ts, pure). */
import type { AgentEvents, CallEventType } from '../../server/realtime/contract';
import { callsReducer, currentCall, initialCalls, type CallAction, type CallsState } from '../../web-agent/src/calls/callState';

const offered = (contactId: string, at = 1): AgentEvents['contact.offered'] => ({ type: 'contact.offered', offerId: `o-${contactId}`, contactId, agentId: 'a1', channel: 'voice', target: { kind: 'group', id: 'g1' }, customerId: null, deadline: at + 20_000, enqueuedAt: at, seq: 1, at });
const ev = (type: CallEventType, callId: string, at: number, data: Record<string, unknown> = {}): CallAction => ({ kind: 'call', e: { type, callId, at, agentIds: ['a1'], data } });
const fold = (actions: CallAction[], from: CallsState = initialCalls) => actions.reduce(callsReducer, from);

it('offer → ringing with the caller → answered → held → resumed → ended', () => {
  let s = fold([{ kind: 'offered', e: offered('c1') }, ev('call.ringing', 'c1', 2, { caller: '138', serviceNumber: '4001', skillGroupId: 'g1', legUuid: 'l1' })]);
  expect(currentCall(s)).toMatchObject({ callId: 'c1', phase: 'ringing', caller: '138', serviceNumber: '4001', offerId: 'o-c1', skillGroupId: 'g1' });
  s = fold([ev('call.answered', 'c1', 3), ev('call.held', 'c1', 4)], s);
  expect(currentCall(s)).toMatchObject({ phase: 'held', answeredAt: 3, heldAt: 4 });
  s = fold([ev('call.resumed', 'c1', 5)], s);
  expect(currentCall(s)).toMatchObject({ phase: 'talking', heldAt: null });
  s = fold([ev('call.ended', 'c1', 6, { disposition: 'answered' })], s);
  // Ended calls stay for their tags and notes until dismissed or the next call.
  expect(currentCall(s)).toMatchObject({ phase: 'ended', endedAt: 6 });
  s = fold([{ kind: 'offered', e: offered('c2', 7) }], s);
  expect(s.calls.map((c) => c.callId)).toEqual(['c2']);
});

it('an offer that times out, is declined or cancelled leaves nothing behind; a failed leg alone changes nothing', () => {
  const ringing = fold([{ kind: 'offered', e: offered('c1') }, ev('call.ringing', 'c1', 2, { caller: '138' })]);
  expect(fold([ev('call.ringing', 'c1', 3, { state: 'failed' })], ringing)).toEqual(ringing);
  expect(fold([{ kind: 'offer_gone', contactId: 'c1' }], ringing).calls).toEqual([]);
  // Once answered, an offer outcome for the same contact does not remove the call.
  const talking = fold([ev('call.answered', 'c1', 3), { kind: 'offer_gone', contactId: 'c1' }], ringing);
  expect(currentCall(talking)?.phase).toBe('talking');
});

it('consult: ringing → answered → three-way; cancel returns to the caller; a failed consult leaves the caller held', () => {
  const talking = fold([{ kind: 'offered', e: offered('c1') }, ev('call.answered', 'c1', 2)]);
  const consulting = fold([ev('call.consult', 'c1', 3, { state: 'ringing', legUuid: 'k1' }), ev('call.held', 'c1', 3), ev('call.consult', 'c1', 4, { state: 'answered', legUuid: 'k1' })], talking);
  expect(currentCall(consulting)).toMatchObject({ phase: 'consulting', consult: { state: 'answered', legUuid: 'k1' } });
  expect(currentCall(fold([ev('call.conference', 'c1', 5, { parties: 3 })], consulting))).toMatchObject({ phase: 'conference', consult: null });
  expect(currentCall(fold([ev('call.consult', 'c1', 5, { state: 'cancelled' })], consulting))).toMatchObject({ phase: 'talking', consult: null });
  expect(currentCall(fold([ev('call.consult', 'c1', 5, { state: 'failed' })], consulting))).toMatchObject({ phase: 'held', consult: null });
});

it('click-to-call: dialling until answered; a contact completed for this agent ends it', () => {
  let s = fold([{ kind: 'dialing', callId: 'c9', number: '139', serviceNumber: '4001', at: 1 }, ev('call.ringing', 'c9', 2, { direction: 'outbound', number: '139' })]);
  expect(currentCall(s)).toMatchObject({ direction: 'outbound', phase: 'dialing', caller: '139' });
  s = fold([ev('call.answered', 'c9', 3, { direction: 'outbound' }), { kind: 'completed', contactId: 'c9', at: 4 }], s);
  expect(currentCall(s)).toMatchObject({ phase: 'ended', endedAt: 4 });
  expect(fold([{ kind: 'dismiss', callId: 'c9' }], s).calls).toEqual([]);
});

it('chat offers are not calls', () => {
  expect(fold([{ kind: 'offered', e: { ...offered('x'), channel: 'chat' } }]).calls).toEqual([]);
});
