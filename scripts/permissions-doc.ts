import fs from 'node:fs';
import path from 'node:path';
import { BUILTIN_ROLES, PERMISSIONS } from '../server/auth/permissions';

/** Writes docs/permissions.md from the catalogue in code, so the document cannot drift. */
const lines = [
  '# Permission catalogue',
  '',
  'Generated from `server/auth/permissions.ts` by `npm run docs:permissions`. Roles grant these codes;',
  'a user holds the union of the permissions of their enabled roles. The first admin (superadmin) holds all.',
  '',
  '| code | name | 中文 | grants |',
  '|---|---|---|---|',
  ...PERMISSIONS.map((p) => `| \`${p.code}\` | ${p.name} | ${p.nameZh} | ${p.description} |`),
  '',
  '## Built-in roles',
  '',
  '| code | name | permissions |',
  '|---|---|---|',
  ...BUILTIN_ROLES.map((r) => `| \`${r.code}\` | ${r.name} | ${r.code === 'admin' ? 'all' : r.permissions.map((p) => `\`${p}\``).join(', ')} |`),
  '',
];
fs.writeFileSync(path.join(__dirname, '..', 'docs', 'permissions.md'), lines.join('\n'));
