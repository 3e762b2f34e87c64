import { InvalidStateError } from '../../platform/errors';
import { contactIdOf, conversationOfContact, transition } from './conversation';

describe('conversation transition', () => {
  it('walks the happy path', () => {
    let s = transition({ state: 'navigating', agentId: null }, { kind: 'queue' });
    expect(s.state).toBe('queued');
    s = transition(s, { kind: 'assign', agentId: 'a' });
    expect(s).toEqual({ state: 'active', agentId: 'a' });
    s = transition(s, { kind: 'reassign', agentId: 'b' });
    expect(s.agentId).toBe('b');
    expect(transition(s, { kind: 'end', reason: 'agent' })).toEqual({ state: 'ended', agentId: 'b' });
  });

  it('refuses illegal moves', () => {
    expect(() => transition({ state: 'ended', agentId: null }, { kind: 'end', reason: 'agent' })).toThrow(InvalidStateError);
    expect(() => transition({ state: 'queued', agentId: null }, { kind: 'requeue', reason: 'agent_gone' })).toThrow(InvalidStateError);
    expect(() => transition({ state: 'navigating', agentId: null }, { kind: 'assign', agentId: 'a' })).toThrow(InvalidStateError);
  });

  it('maps contact ids to conversations', () => {
    const id = '0b7c1f9e-6a55-4c1e-9d2f-2f0c6a1d9b11';
    expect(conversationOfContact(contactIdOf(id, 3))).toEqual({ conversationId: id, leg: 3 });
    expect(conversationOfContact('call-1')).toBeUndefined();
  });
});
