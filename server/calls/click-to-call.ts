/**
 * Click-to-call: the agent's phone rings first; when the agent answers, the customer is
 * dialled with the service number as caller id (the agent hears ringback), and the two
 * are bridged. Outcome events (answered, ended) come from the telephony event stream;
 * the call record is finalised when the agent leg ends.
 *
 *   dialling_agent ──agent answers──▶ dialling_customer ──answers──▶ talking ──▶ ended
 *         └──agent does not answer──▶ ended       └──no answer / busy / failed──▶ ended
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from '../logging/logger';
import { NotFoundError, ValidationError } from '../platform/errors';
import { commands } from '../telephony';
import type { EslCommandTarget } from '../telephony/commands';
import type { CallEventBus } from './events';
import type { CallRecords } from './records';

export interface OutboundCall {
  callId: string;
  agentId: string;
  agentLeg: string;
  customerLeg: string;
  number: string;
  customerAnswered: boolean;
  customerCause?: string;
}

export class ClickToCall {
  readonly #calls = new Map<string, OutboundCall>();

  constructor(
    private readonly deps: {
      esl: EslCommandTarget;
      records: CallRecords;
      bus: CallEventBus;
      agentDial(agentId: string): Promise<string | undefined>;
      gatewayDial: string;
      isBlocked(number: string): Promise<boolean>;
      log: Logger;
    },
  ) {}

  byLeg(uuid: string): OutboundCall | undefined {
    return [...this.#calls.values()].find((c) => c.agentLeg === uuid || c.customerLeg === uuid);
  }

  get(callId: string): OutboundCall | undefined {
    return this.#calls.get(callId);
  }

  /** Resolves once the agent's phone is ringing (the call id is known); outcomes arrive as events. */
  async start(req: { agentId: string; number: string; serviceNumber: string }): Promise<{ callId: string }> {
    if (!/^\+?[0-9]{3,20}$/.test(req.number)) throw new ValidationError('number: 3-20 digits', [{ path: 'number', message: 'invalid phone number' }]);
    if (await this.deps.isBlocked(req.number)) throw new ValidationError('This number is blacklisted: outbound calls to it are refused', [{ path: 'number', message: 'blacklisted' }]);
    const agentDial = await this.deps.agentDial(req.agentId);
    if (!agentDial) throw new NotFoundError('Agent phone');
    const callId = randomUUID();
    const c: OutboundCall = { callId, agentId: req.agentId, agentLeg: randomUUID(), customerLeg: randomUUID(), number: req.number, customerAnswered: false };
    const customerDial = this.deps.gatewayDial.replace('{number}', req.number);
    await this.deps.records.createOutbound({ id: callId, channelUuid: c.agentLeg, number: req.number, serviceNumber: req.serviceNumber, agentId: req.agentId });
    await this.deps.records.legStarted({ uuid: c.agentLeg, callId, kind: 'agent', agentId: req.agentId, dial: agentDial });
    await this.deps.records.legStarted({ uuid: c.customerLeg, callId, kind: 'customer', number: req.number, dial: customerDial });
    this.#calls.set(callId, c);
    const bridgeTo = `[origination_uuid=${c.customerLeg},hotline_call_id=${callId},hotline_leg=customer,origination_caller_id_number=${req.serviceNumber}]${customerDial}`;
    this.deps.bus.emit('call.ringing', callId, [req.agentId], { direction: 'outbound', number: req.number, legUuid: c.agentLeg });
    void commands
      .originate(this.deps.esl, {
        endpoint: agentDial,
        uuid: c.agentLeg,
        callId,
        timeoutSec: 30,
        callerIdNumber: req.number,
        destination: { app: 'bridge', arg: bridgeTo },
        variables: { hotline_leg: 'agent', hangup_after_bridge: 'true', hotline_direction: 'outbound' },
      })
      .then(() => this.deps.records.legAnswered(c.agentLeg))
      .catch(async (err: unknown) => {
        this.deps.log.info({ err: (err as Error).message, callId }, 'click-to-call: the agent did not answer');
        await this.deps.records.hint(callId, 'outbound_failed').catch(() => undefined);
      });
    return { callId };
  }

  /** Telephony: a leg of an outbound call answered. */
  async onAnswer(uuid: string): Promise<void> {
    const c = this.byLeg(uuid);
    if (!c || uuid !== c.customerLeg || c.customerAnswered) return;
    c.customerAnswered = true;
    await this.deps.records.legAnswered(uuid);
    await this.deps.records.answered(c.callId, c.agentId);
    await this.deps.records.event(c.callId, 'answered', c.agentId, { direction: 'outbound' });
    this.deps.bus.emit('call.answered', c.callId, [c.agentId], { direction: 'outbound', legUuid: uuid });
  }

  /** Telephony: a leg hung up; the agent leg ending ends the call. Returns the call id when the call ended. */
  async onHangup(uuid: string, cause: string): Promise<string | undefined> {
    const c = this.byLeg(uuid);
    if (!c) return undefined;
    await this.deps.records.legEnded(uuid, 'hangup', cause);
    if (uuid === c.customerLeg) {
      c.customerCause = cause;
      return undefined;
    }
    this.#calls.delete(c.callId);
    if (!c.customerAnswered) {
      const noAnswer = ['NO_ANSWER', 'USER_BUSY', 'NO_USER_RESPONSE', 'CALL_REJECTED', 'ORIGINATOR_CANCEL'].includes(c.customerCause ?? '');
      await this.deps.records.hint(c.callId, c.customerCause === undefined ? 'outbound_failed' : noAnswer ? 'outbound_no_answer' : 'outbound_failed');
    }
    return c.callId;
  }
}
