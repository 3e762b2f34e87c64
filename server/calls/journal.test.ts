import { silentLogger } from '../logging/logger';
import { CallEventBus } from './events';
import { CallJournal, type RecordWrites } from './journal';

/** Writes land in call order, each stamped with the time it happened, through failures. */
describe('CallJournal', () => {
  function sink(failFirst: number) {
    const rows: { type: string; at: Date }[] = [];
    let failures = failFirst;
    const writes = {
      event: (_callId: string, type: string, _agent: string | null, _data: unknown, at?: Date) => {
        if (failures-- > 0) return Promise.reject(new Error('timeout exceeded when trying to connect'));
        rows.push({ type, at: at! });
        return Promise.resolve();
      },
    } as unknown as RecordWrites;
    return { rows, writes };
  }
  const bus = () => new CallEventBus({ publish: () => undefined }, silentLogger);

  it('keeps order and the time of each fact while Postgres fails, then catches up', async () => {
    const { rows, writes } = sink(3);
    const j = new CallJournal('c1', writes, bus(), silentLogger, { attempts: 5, firstDelayMs: 5, maxDelayMs: 20 });
    const t0 = Date.now();
    j.record('event', 'c1', 'answered', 'a1', {});
    await new Promise((r) => setTimeout(r, 15));
    j.record('event', 'c1', 'held', 'a1', {});
    j.record('event', 'c1', 'contact_completed', 'a1', {});
    await j.drained();
    expect(rows.map((r) => r.type)).toEqual(['answered', 'held', 'contact_completed']);
    expect(rows[0]!.at.getTime()).toBeLessThan(t0 + 10);
    expect(rows[1]!.at.getTime()).toBeGreaterThanOrEqual(rows[0]!.at.getTime() + 10);
    expect(j.failedWrites).toBe(0);
  });

  it('gives up a write after its attempts and goes on with the next', async () => {
    const { rows, writes } = sink(2);
    const j = new CallJournal('c1', writes, bus(), silentLogger, { attempts: 2, firstDelayMs: 1, maxDelayMs: 1 });
    j.record('event', 'c1', 'lost', null, {});
    j.record('event', 'c1', 'kept', null, {});
    await j.drained();
    expect(rows.map((r) => r.type)).toEqual(['kept']);
    expect(j.failedWrites).toBe(1);
  });

  it('note(): the live event goes out at once, the row in its turn', () => {
    const published: unknown[] = [];
    const b = new CallEventBus({ publish: (_t, e) => published.push(e) }, silentLogger);
    const { writes } = sink(0);
    const j = new CallJournal('c1', writes, b, silentLogger);
    j.note('held', 'a1', {}, { type: 'call.held', agents: ['a1'] });
    expect(published).toEqual([expect.objectContaining({ type: 'call.held', callId: 'c1', agentIds: ['a1'] })]);
  });
});
