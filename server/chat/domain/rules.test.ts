import crypto from 'node:crypto';
import { InvalidStateError, ValidationError } from '../../platform/errors';
import { checkRecall, checkUpload, checkWrapUp, signIdentity, verifyIdentity } from './rules';
import { parseSettings } from './settings';

const s = parseSettings({});
const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0]);

describe('chat rules', () => {
  it('accepts real images and allowed files, refuses the rest', () => {
    expect(checkUpload({ mime: 'image/png', size: 100, head: png }, s).kind).toBe('image');
    expect(checkUpload({ mime: 'application/pdf', size: 100, head: Buffer.from('%PDF-1.4') }, s).kind).toBe('file');
    expect(() => checkUpload({ mime: 'image/svg+xml', size: 100, head: Buffer.from('<svg') }, s)).toThrow(ValidationError);
    expect(() => checkUpload({ mime: 'image/png', size: 100, head: Buffer.from('<html>') }, s)).toThrow(ValidationError);
    expect(() => checkUpload({ mime: 'image/png', size: 6 * 1024 * 1024, head: png }, s)).toThrow(ValidationError);
  });

  it('recalls only own messages within two minutes', () => {
    const m = { senderKind: 'agent', senderId: 'a', kind: 'text', createdAt: 0, recalledAt: null };
    expect(() => checkRecall(m, 'a', 120_000, s)).not.toThrow();
    expect(() => checkRecall(m, 'a', 120_001, s)).toThrow(InvalidStateError);
    expect(() => checkRecall(m, 'b', 1, s)).toThrow(InvalidStateError);
  });

  it('submits a wrap-up once, with category and resolution', () => {
    expect(() => checkWrapUp(undefined, { categoryId: null, resolved: null, submit: false })).not.toThrow();
    expect(() => checkWrapUp(undefined, { categoryId: 'c', resolved: null, submit: true })).toThrow(ValidationError);
    expect(() => checkWrapUp({ status: 'submitted' }, { categoryId: 'c', resolved: true, submit: false })).toThrow(InvalidStateError);
  });

  it('trusts only a correctly signed, fresh identity', () => {
    const ts = 1_700_000_000_000;
    const sig = signIdentity('k', { customerId: 'c1', name: 'Ann', ts });
    expect(verifyIdentity('k', { customerId: 'c1', name: 'Ann', ts, sig }, ts)).toEqual({ customerId: 'c1', name: 'Ann' });
    expect(verifyIdentity('k', { customerId: 'c2', name: 'Ann', ts, sig }, ts)).toBeUndefined();
    expect(verifyIdentity('k', { customerId: 'c1', name: 'Ann', ts, sig: 'zz' }, ts)).toBeUndefined();
    expect(verifyIdentity('k', { customerId: 'c1', name: 'Ann', ts, sig }, ts + 2 * 86400_000)).toBeUndefined();
  });

  it('signs an unambiguous encoding: a separator inside a field cannot move the field boundary', () => {
    const ts = 1_700_000_000_000;
    const sig = signIdentity('k', { customerId: 'C1', name: 'x|y', ts });
    expect(verifyIdentity('k', { customerId: 'C1', name: 'x|y', ts, sig }, ts)).toEqual({ customerId: 'C1', name: 'x|y' });
    expect(verifyIdentity('k', { customerId: 'C1|x', name: 'y', ts, sig }, ts)).toBeUndefined();
    // The documented payload, so a site can compute it in any language.
    const want = crypto.createHmac('sha256', 'k').update(`["C1","x|y",${ts}]`).digest('hex');
    expect(sig).toBe(want);
  });
});
