import { z } from 'zod';
import { text } from '../platform/text';

/** Inputs shared by the HTTP API and the visitors' socket events, so both check the same things. */
const id = z.uuid();
export const sendBody = z.object({ kind: z.enum(['text', 'emoji', 'image', 'file']).default('text'), text: text().max(20000).optional(), fileId: id.optional(), clientId: z.string().max(64).optional() });
export const convRef = z.object({ conversationId: id });
export const sendEvent = convRef.extend(sendBody.shape);
export const readBody = z.object({ upTo: z.string().regex(/^\d{1,18}$/) });
export const readEvent = convRef.extend(readBody.shape);
export const typingBody = z.object({ typing: z.boolean().default(true) });
export const typingEvent = convRef.extend(typingBody.shape);
export const historyEvent = z.object({ before: z.string().regex(/^\d{1,18}$/).optional(), limit: z.number().int().min(1).max(100).default(30) });
export const topicEvent = convRef.extend({ navigation: z.string().min(1).max(100) });
export const startEvent = z.object({ navigation: z.string().min(1).max(100).optional() });
export const rateBody = z.object({ level: z.number().int().min(1).max(5), tags: z.array(z.string().max(40)).max(9).default([]), comment: text().max(1000).nullish() });
export const rateEvent = convRef.extend(rateBody.shape);
export const leaveMessageBody = z.object({ fields: z.record(text().max(100), text().max(5000)) });
export const transferBody = z.object({ agentId: id.optional(), groupId: id.optional(), note: text().max(500).optional() });
export const wrapUpBody = z.object({ categoryId: id.nullable().default(null), resolved: z.boolean().nullable().default(null), note: text().max(2000).default(''), submit: z.boolean().default(false) });
export const blacklistBody = z.object({ reason: text().max(500).default(''), expiresAt: z.iso.datetime({ offset: true }).optional() });
