import { ORIGIN } from '../core/origins';
import type { Origin } from '../core/event-bus';

/** Event-Calling-* of the events the SIP layer fires (sofia_reg.c of 1.10.12). */
export const SIP_ORIGIN = {
  register: ORIGIN.register,
  unregister: ORIGIN.unregister,
  expire: { file: 'sofia_reg.c', func: 'sofia_reg_del_callback', line: 1062 } satisfies Origin,
  reinvite: ORIGIN.reinvite,
} as const;
