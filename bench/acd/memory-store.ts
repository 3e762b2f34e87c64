import { DEFAULT_STRATEGY, STRATEGY_KINDS, type GroupStrategy } from '../../server/routing/policy/strategies';
import type { AgentSetup, RoutingConfig, RoutingSettings, RoutingStore } from '../../server/routing/ports';

/**
 * The benchmark measures the ACD's decisions on Redis, so the system of record is
 * kept in memory: Postgres writes (one per enqueue, accept, end) are a separate
 * cost with their own limits, and would be measured by a Postgres benchmark.
 */
export class MemoryStore implements RoutingStore {
  readonly setups = new Map<string, AgentSetup>();
  readonly strategies = new Map<string, GroupStrategy>();

  constructor(private readonly settings: RoutingSettings) {}

  /** Groups cycle through the strategies, so every one is exercised. */
  addGroup(id: string, index: number): void {
    this.strategies.set(id, { ...DEFAULT_STRATEGY, kind: STRATEGY_KINDS[index % STRATEGY_KINDS.length]!, returningCustomerFirst: index % 2 === 0 });
  }

  loadConfig(): Promise<RoutingConfig> {
    return Promise.resolve({ settings: this.settings, rules: [], strategies: this.strategies, reasons: [{ code: 'break', name: 'Break', builtin: true, enabled: true }] });
  }
  loadAgentSetups(ids?: string[]): Promise<AgentSetup[]> {
    return Promise.resolve(ids ? ids.map((id) => this.setups.get(id)).filter((s): s is AgentSetup => s !== undefined) : [...this.setups.values()]);
  }
  saveAgentSettings(): Promise<void> {
    return Promise.resolve();
  }
  recordPresence(): Promise<void> {
    return Promise.resolve();
  }
  loadPresences() {
    return Promise.resolve(new Map());
  }
  insertContact(): Promise<void> {
    return Promise.resolve();
  }
  markAccepted(): Promise<void> {
    return Promise.resolve();
  }
  markEnded(): Promise<void> {
    return Promise.resolve();
  }
  markAbandoned(): Promise<void> {
    return Promise.resolve();
  }
  markOverflowed(): Promise<void> {
    return Promise.resolve();
  }
  moveContact(): Promise<void> {
    return Promise.resolve();
  }
  loadOpenContacts() {
    return Promise.resolve([]);
  }
  loadLastServed() {
    return Promise.resolve([]);
  }
}
