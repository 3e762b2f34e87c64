import { canTake, checkSelfChatCapacity, effectiveCapacity } from './capacity';
import { estimateWaitSeconds, queueScore, scoreParts } from './queue-order';

describe('queue order', () => {
  test('higher priority first, then earlier; scores round-trip exactly', () => {
    const t = Date.UTC(2025, 0, 1);
    expect(queueScore(10, t + 60_000)).toBeLessThan(queueScore(0, t));
    expect(queueScore(0, t)).toBeLessThan(queueScore(0, t + 1));
    expect(scoreParts(queueScore(37, t + 123))).toEqual({ priority: 37, enqueuedAt: t + 123 });
    expect(() => queueScore(101, t)).toThrow(RangeError);
  });

  test('estimated wait: waves of one average handle time per serving slot', () => {
    expect(estimateWaitSeconds({ position: 1, agentsServing: 2, slotsPerAgent: 1, averageHandleSeconds: 100 })).toBe(50);
    expect(estimateWaitSeconds({ position: 3, agentsServing: 2, slotsPerAgent: 1, averageHandleSeconds: 100 })).toBe(150);
    expect(estimateWaitSeconds({ position: 3, agentsServing: 1, slotsPerAgent: 3, averageHandleSeconds: 100 })).toBe(50);
    expect(estimateWaitSeconds({ position: 1, agentsServing: 1, slotsPerAgent: 1 })).toBe(90); // default handle time
    expect(estimateWaitSeconds({ position: 1, agentsServing: 0, slotsPerAgent: 1 })).toBeNull();
  });
});

describe('capacity', () => {
  const settings = { chatCapacityLimit: 5, chatCapacitySelf: null, callBlocksChat: true, externalPhone: null };
  test('voice needs a registered softphone or an external phone; chat is min(self, limit)', () => {
    expect(effectiveCapacity(settings, { registered: false })).toEqual({ voice: 0, chat: 5, callBlocksChat: true });
    expect(effectiveCapacity(settings, { registered: true }).voice).toBe(1);
    expect(effectiveCapacity({ ...settings, externalPhone: '+100' }, { registered: false }).voice).toBe(1);
    expect(effectiveCapacity({ ...settings, chatCapacitySelf: 2 }, { registered: false }).chat).toBe(2);
    expect(effectiveCapacity({ ...settings, chatCapacitySelf: 9 }, { registered: false }).chat).toBe(5);
    expect(() => checkSelfChatCapacity(6, 5)).toThrow('between 0 and 5');
    expect(checkSelfChatCapacity(0, 5)).toBe(0);
  });

  test('canTake: ready, under the burst cap, a free slot on the channel; a call may block chats', () => {
    const cap = { voice: 1, chat: 2, callBlocksChat: true };
    const idle = { voice: 0, chat: 0, pendingOffers: 0 };
    expect(canTake('voice', true, cap, idle, 1)).toBe(true);
    expect(canTake('voice', false, cap, idle, 1)).toBe(false);
    expect(canTake('chat', true, cap, { ...idle, pendingOffers: 1 }, 1)).toBe(false);
    expect(canTake('voice', true, cap, { ...idle, voice: 1 }, 5)).toBe(false);
    expect(canTake('chat', true, cap, { ...idle, voice: 1 }, 5)).toBe(false);
    expect(canTake('chat', true, { ...cap, callBlocksChat: false }, { ...idle, voice: 1 }, 5)).toBe(true);
    expect(canTake('chat', true, cap, { ...idle, chat: 2 }, 5)).toBe(false);
    expect(canTake('voice', true, cap, { ...idle, chat: 2 }, 5)).toBe(true); // chats never block a call
  });
});
