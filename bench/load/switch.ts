/** The bench's own inbound ESL connection to the switch (api commands; events only when asked). */
import { silentLogger } from '../../server/logging/logger';
import { EslInboundConnection } from '../../server/telephony/inbound-connection';
import { parseFreeswitchEsl } from '../../server/telephony/config';

export class Switch {
  private constructor(private readonly conn: EslInboundConnection) {}

  static async connect(esl: string, events: readonly string[] = ['BACKGROUND_JOB']): Promise<Switch> {
    const node = parseFreeswitchEsl(esl)[0]!;
    const conn = new EslInboundConnection({ node, logger: silentLogger, events, commandTimeoutMs: 30_000 });
    conn.start();
    await conn.waitReady(10_000);
    return new Switch(conn);
  }

  get connection(): EslInboundConnection {
    return this.conn;
  }

  async api(command: string): Promise<string> {
    return (await this.conn.api(command)).body;
  }

  /** Channels on the bench's sofia profile: callers and agent legs of both systems. */
  async channelsOnProfile(profile: string): Promise<{ count: number; sample: string[] }> {
    const body = await this.api('show channels as json');
    const rows = ((JSON.parse(body) as { rows?: { uuid: string; name: string; application?: string; created?: string }[] }).rows ?? []).filter((r) => r.name.startsWith(`sofia/${profile}/`));
    return { count: rows.length, sample: rows.slice(0, 10).map((r) => `${r.uuid} ${r.name} ${r.application ?? ''} ${r.created ?? ''}`) };
  }

  /**
   * Hangs up what is left on the bench's profile after a step (only the bench's own
   * channels), so the next step starts clean; returns the rows for the record.
   */
  async killProfileChannels(profile: string): Promise<Record<string, string>[]> {
    const body = await this.api('show channels as json');
    const rows = ((JSON.parse(body) as { rows?: Record<string, string>[] }).rows ?? []).filter((r) => (r.name ?? '').startsWith(`sofia/${profile}/`));
    for (const r of rows) await this.api(`uuid_kill ${r.uuid}`).catch(() => undefined);
    return rows;
  }

  close(): Promise<void> {
    return this.conn.close();
  }
}
