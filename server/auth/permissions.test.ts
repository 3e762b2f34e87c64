import fs from 'node:fs';
import path from 'node:path';
import { effectivePermissions, PERMISSION_CODES } from './permissions';

describe('effectivePermissions', () => {
  test('the union of enabled roles', () => {
    const p = effectivePermissions({ isSuperadmin: false }, [
      { enabled: true, permissions: ['agent.view', 'audit.view'] },
      { enabled: true, permissions: ['agent.view', 'calls.handle'] },
      { enabled: false, permissions: ['agent.manage'] },
    ]);
    expect([...p].sort()).toEqual(['agent.view', 'audit.view', 'calls.handle']);
  });

  test('unknown codes stored in a role grant nothing', () => {
    expect(effectivePermissions({ isSuperadmin: false }, [{ enabled: true, permissions: ['root.everything'] }]).size).toBe(0);
  });

  test('the superadmin holds every permission, with or without roles', () => {
    expect(effectivePermissions({ isSuperadmin: true }, []).size).toBe(PERMISSION_CODES.length);
  });
});

describe('docs/permissions.md', () => {
  test('lists every permission in the catalogue (regenerate with npm run docs:permissions)', () => {
    const doc = fs.readFileSync(path.join(__dirname, '../../docs/permissions.md'), 'utf8');
    for (const code of PERMISSION_CODES) expect(doc).toContain(`\`${code}\``);
  });
});
