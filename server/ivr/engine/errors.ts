/**
 * Errors of the IVR engine. Nodes and the runner branch on the class, never on message text.
 *
 *   HotlineError
 *   ├── NonFatalNodeError   a node could not do its job; the flow continues on the node's
 *   │                       `failure` exit, or its safe default when that exit is not wired
 *   ├── CallerHangupError   the caller is gone; the flow ends cleanly (not a failure)
 *   └── FlowLimitError      the flow ran too long (node visit bound); the call is ended safely
 */
import { HotlineError } from '../../platform/errors';

export class NonFatalNodeError extends HotlineError {
  constructor(
    message: string,
    cause?: unknown,
  ) {
    super('ivr_node_failed', message);
    if (cause !== undefined) this.cause = cause;
  }
}

export class CallerHangupError extends HotlineError {
  constructor(readonly hangupCause: string) {
    super('ivr_caller_hangup', `caller hung up (${hangupCause})`);
  }
}

export class FlowLimitError extends HotlineError {
  constructor(readonly visits: number) {
    super('ivr_visit_limit', `flow exceeded ${visits} node visits`);
  }
}
