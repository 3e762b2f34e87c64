/**
 * The legs of a call Hotline dials besides the caller's own channel (agent, consult,
 * external), the targets they are dialled for, and how an unanswered one ended.
 */
import type { LegKind } from './records';

/** Blind transfer targets; `ivr` hands the caller back to the flow at a node (the queue node's `transfer: 'ivr'` result). */
export type TransferTarget = { kind: 'agent'; agentId: string } | { kind: 'group'; groupId: string } | { kind: 'external'; number: string } | { kind: 'ivr'; node: string };
export type ConsultTarget = { kind: 'agent'; agentId: string } | { kind: 'external'; number: string };

/** A leg this call dialled; the session owns it (its record is written through the journal). */
export class Leg {
  /** Why it ended without answering (originate_disposition), once known. */
  cause: string | undefined;
  answered = false;
  ended = false;
  constructor(
    readonly uuid: string,
    readonly kind: LegKind,
    readonly dial: string,
    readonly agentId: string | null,
    readonly offerId: string | null,
    readonly number: string | null,
  ) {}
}

/** How an agent leg that never answered ended: the phone said no, nobody picked up, or it could not ring at all. */
export function ringOutcome(cause: string): 'rejected' | 'ring_timeout' | 'failed' {
  if (cause === 'CALL_REJECTED' || cause === 'USER_BUSY') return 'rejected';
  if (cause === 'NO_ANSWER' || cause === 'NO_USER_RESPONSE' || cause === 'ORIGINATOR_CANCEL' || cause === 'ALLOTTED_TIMEOUT') return 'ring_timeout';
  return 'failed';
}
