import { groupsUsedBy, isOpen, localTime, matchRule, overflowOnArrival, ruleMatches, waitOverflow, type Overflow, type RoutingRule, type Schedule } from './rules';

// Monday 2025-01-06 09:30 in Shanghai (UTC+8).
const MON_0930_SH = Date.UTC(2025, 0, 6, 1, 30);
const rule = (id: string, priority: number, o: Partial<RoutingRule> = {}): RoutingRule => ({ id, name: id, priority, enabled: true, conditions: {}, action: { kind: 'group', id: `g-${id}` }, overflow: [], ...o });

describe('rule matching', () => {
  test('first enabled rule by priority whose conditions all hold', () => {
    const rules = [rule('late', 5), rule('vip', 1, { conditions: { attributes: [{ key: 'vip', op: 'eq', value: true }] } }), rule('off', 0, { enabled: false })];
    expect(matchRule(rules, { channel: 'chat', attributes: { vip: true } }, 0)?.id).toBe('vip');
    expect(matchRule(rules, { channel: 'chat' }, 0)?.id).toBe('late');
    expect(matchRule([], { channel: 'chat' }, 0)).toBeUndefined();
  });

  test('each condition: channel, service number, site, navigation, attributes (eq, in, exists)', () => {
    const f = { channel: 'voice' as const, entry: { serviceNumber: '400', site: 'web' }, navigation: 'billing', attributes: { region: 'east', lang: 'zh' } };
    expect(ruleMatches({ channels: ['voice'] }, f, 0)).toBe(true);
    expect(ruleMatches({ channels: ['chat'] }, f, 0)).toBe(false);
    expect(ruleMatches({ serviceNumbers: ['400', '800'] }, f, 0)).toBe(true);
    expect(ruleMatches({ serviceNumbers: ['800'] }, f, 0)).toBe(false);
    expect(ruleMatches({ sites: ['app'] }, f, 0)).toBe(false);
    expect(ruleMatches({ navigation: ['billing'] }, f, 0)).toBe(true);
    expect(ruleMatches({ navigation: ['billing'] }, { channel: 'voice' }, 0)).toBe(false);
    expect(ruleMatches({ attributes: [{ key: 'region', op: 'in', values: ['east', 'south'] }, { key: 'lang', op: 'exists' }] }, f, 0)).toBe(true);
    expect(ruleMatches({ attributes: [{ key: 'vip', op: 'exists' }] }, f, 0)).toBe(false);
  });

  test('schedule: weekly windows in a time zone, holidays, windows across midnight, open/closed', () => {
    const office: Schedule = { timezone: 'Asia/Shanghai', windows: [{ days: [1, 2, 3, 4, 5], from: '09:00', to: '18:00' }] };
    expect(localTime(MON_0930_SH, 'Asia/Shanghai')).toEqual({ day: 1, date: '2025-01-06', minutes: 570 });
    expect(isOpen(office, MON_0930_SH)).toBe(true);
    expect(isOpen(office, MON_0930_SH - 3600_000)).toBe(false); // 08:30
    expect(isOpen(office, MON_0930_SH + 5 * 86400_000)).toBe(false); // Saturday
    expect(isOpen({ ...office, holidays: ['2025-01-06'] }, MON_0930_SH)).toBe(false);
    const night: Schedule = { timezone: 'Asia/Shanghai', windows: [{ days: [0], from: '22:00', to: '06:00' }] };
    expect(isOpen(night, MON_0930_SH - 4 * 3600_000)).toBe(true); // Monday 05:30 belongs to Sunday's night
    expect(isOpen(night, MON_0930_SH)).toBe(false);
    expect(ruleMatches({ schedule: { ...office, match: 'closed' } }, { channel: 'chat' }, MON_0930_SH)).toBe(false);
    expect(ruleMatches({ schedule: { ...office, match: 'closed' } }, { channel: 'chat' }, MON_0930_SH - 3600_000)).toBe(true);
  });
});

describe('overflow', () => {
  const overflow: Overflow[] = [
    { when: { kind: 'none_logged_in' }, to: { kind: 'voicemail' } },
    { when: { kind: 'wait_over', seconds: 120 }, to: { kind: 'flow_node', flowId: 'f', nodeId: 'n' } },
    { when: { kind: 'queue_length_over', n: 5 }, to: { kind: 'group', id: 'g2' } },
    { when: { kind: 'none_ready' }, to: { kind: 'agent', id: 'a1' } },
    { when: { kind: 'wait_over', seconds: 60 }, to: { kind: 'group', id: 'g3' } },
  ];
  test('on arrival: the first condition that holds, in the listed order', () => {
    expect(overflowOnArrival(overflow, { queueLength: 0, loggedIn: 0, ready: 0 })?.to).toEqual({ kind: 'voicemail' });
    expect(overflowOnArrival(overflow, { queueLength: 6, loggedIn: 2, ready: 0 })?.to).toEqual({ kind: 'group', id: 'g2' });
    expect(overflowOnArrival(overflow, { queueLength: 5, loggedIn: 2, ready: 0 })?.to).toEqual({ kind: 'agent', id: 'a1' });
    expect(overflowOnArrival(overflow, { queueLength: 5, loggedIn: 2, ready: 1 })).toBeUndefined();
  });
  test('waiting too long: the earliest deadline', () => {
    expect(waitOverflow(overflow)).toEqual({ seconds: 60, to: { kind: 'group', id: 'g3' } });
    expect(waitOverflow([])).toBeUndefined();
  });
  test('groups a rule uses (they cannot be deleted while it exists)', () => {
    expect(groupsUsedBy({ action: { kind: 'group', id: 'g1' }, overflow }).sort()).toEqual(['g1', 'g2', 'g3']);
  });
});
