/**
 * What happened in one run, seen from the phones: every caller and every agent call with
 * wall-clock milliseconds. Real runs build it from SIPp's message logs (trace.ts), the
 * simulator mode from ESL events (sim.ts); the same metrics come out of both.
 */
export interface CallerCall {
  /** The caller's number (From user); unique per run, carried into the agent leg. */
  number: string;
  invite: number;
  /** 200 OK from the switch (the queue answers for music on hold). */
  answered?: number;
  /** Final non-2xx response code (a refusal, e.g. a 503 from admission control). */
  refused?: number;
  /** The call ended: BYE sent or received, or CANCEL sent. */
  ended?: number;
  /** who ended it: the caller gave up (BYE / CANCEL), or the far end hung up. */
  endedBy?: 'caller' | 'far';
}

export interface AgentCall {
  /** The agent's phone number (Request-URI user). */
  agent: string;
  /** The caller's number from the offer's From header (undefined when unknown). */
  caller?: string;
  invite: number;
  /** 200 OK sent by the phone. */
  answered?: number;
  /** BYE either way, or CANCEL received. */
  ended?: number;
  cancelled?: boolean;
}

export interface Timeline {
  callers: CallerCall[];
  agentCalls: AgentCall[];
}
