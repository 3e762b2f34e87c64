/** The call-control routes of server/calls/routes.ts, one function each (the server acts through ESL). */
import { post, patch, api } from '../api/http';

export type TransferTarget = { kind: 'agent'; agentId: string } | { kind: 'group'; groupId: string } | { kind: 'external'; number: string } | { kind: 'ivr'; node: string };
export type ConsultTarget = Extract<TransferTarget, { kind: 'agent' } | { kind: 'external' }>;

const call = (id: string, action: string, body: unknown = {}) => post(`/api/calls/${encodeURIComponent(id)}/${action}`, body);

export const calls = {
  hold: (id: string) => call(id, 'hold'),
  resume: (id: string) => call(id, 'resume'),
  hangup: (id: string) => call(id, 'hangup'),
  survey: (id: string) => call(id, 'survey'),
  transfer: (id: string, target: TransferTarget) => call(id, 'transfer', { target }),
  consult: (id: string, target: ConsultTarget) => call(id, 'consult', { target }),
  consultComplete: (id: string) => call(id, 'consult/complete'),
  consultCancel: (id: string) => call(id, 'consult/cancel'),
  merge: (id: string) => call(id, 'consult/merge'),
  dtmf: (id: string, digits: string) => call(id, 'dtmf', { digits }),
  clickToCall: (number: string, serviceNumber?: string) => post<{ callId: string }>('/api/calls/click-to-call', serviceNumber ? { number, serviceNumber } : { number }),
  rejectOffer: (offerId: string) => post(`/api/routing/offers/${encodeURIComponent(offerId)}/reject`),
  setNotes: (id: string, notes: string) => patch(`/api/calls/${encodeURIComponent(id)}`, { notes }),
  tag: (id: string, tagId: string) => call(id, 'tags', { tagId }),
  untag: (id: string, tagId: string) => api('DELETE', `/api/calls/${encodeURIComponent(id)}/tags/${encodeURIComponent(tagId)}`),
};
