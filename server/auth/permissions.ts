/**
 * The permission catalogue. Roles grant sets of these codes; a user's permissions
 * are the union over their enabled roles. The superadmin (the first admin) holds all.
 * docs/permissions.md is generated from this list (npm run docs:permissions).
 */
export const PERMISSIONS = [
  { code: 'org.manage', name: 'Manage organisation', nameZh: '管理组织架构', description: 'Create, rename, describe and delete organisation units.' },
  { code: 'role.manage', name: 'Manage roles', nameZh: '管理角色', description: 'Create, edit, enable, disable and delete roles and their permissions.' },
  { code: 'agent.manage', name: 'Manage agents', nameZh: '管理坐席', description: 'Create, edit, enable and disable agent accounts; reset passwords; assign roles.' },
  { code: 'agent.view', name: 'View agents', nameZh: '查看坐席', description: 'List agents and their details.' },
  { code: 'skillgroup.manage', name: 'Manage skill groups', nameZh: '管理技能组', description: 'Create, edit, enable, disable skill groups and their members.' },
  { code: 'skillgroup.view', name: 'View skill groups', nameZh: '查看技能组', description: 'List skill groups and their members.' },
  { code: 'audit.view', name: 'View audit log', nameZh: '查看操作日志', description: 'Read the audit log of administrative changes.' },
  { code: 'apitoken.manage', name: 'Manage own API tokens', nameZh: '管理接口令牌', description: 'Create and revoke API tokens for integrations, acting as oneself.' },
  { code: 'calls.handle', name: 'Handle calls', nameZh: '接听电话', description: 'Take queue calls and use the softphone bar.' },
  { code: 'chat.handle', name: 'Handle chats', nameZh: '处理在线会话', description: 'Take web-chat conversations.' },
  { code: 'calls.view_all', name: 'View all call records', nameZh: '查看全部通话记录', description: 'Search and read every call record, not only one\'s own.' },
  { code: 'recordings.listen_all', name: 'Listen to all recordings', nameZh: '收听全部录音', description: 'Play any call recording.' },
  { code: 'qa.score', name: 'Score quality', nameZh: '质检评分', description: 'Replay and score recordings and chats.' },
  { code: 'supervisor.monitor', name: 'Monitor queues and agents', nameZh: '监控', description: 'See live queues and agent states; listen in.' },
  { code: 'ivr.manage', name: 'Manage IVR flows', nameZh: '管理语音导航', description: 'Edit, validate, publish and roll back IVR flows; manage prompts and service numbers.' },
  { code: 'routing.manage', name: 'Manage routing', nameZh: '管理路由规则', description: 'Edit queues, routing rules, schedules and overflow.' },
  { code: 'settings.manage', name: 'Manage settings', nameZh: '管理系统设置', description: 'Edit system settings, system messages and chat sites.' },
  { code: 'blacklist.manage', name: 'Manage the blacklist', nameZh: '管理黑名单', description: 'Block and unblock phone numbers and chat visitors.' },
  { code: 'reports.view', name: 'View reports', nameZh: '查看报表', description: 'Read reports and dashboards.' },
] as const;

export type Permission = (typeof PERMISSIONS)[number]['code'];

export const PERMISSION_CODES: readonly Permission[] = PERMISSIONS.map((p) => p.code);

export function isPermission(code: string): code is Permission {
  return (PERMISSION_CODES as readonly string[]).includes(code);
}

/** Built-in roles created by the first migration run; admins may edit their permissions but not delete them. */
export const BUILTIN_ROLES: { code: string; name: string; description: string; permissions: Permission[] }[] = [
  { code: 'admin', name: 'Administrator', description: 'Every permission.', permissions: [...PERMISSION_CODES] },
  {
    code: 'supervisor',
    name: 'Supervisor',
    description: 'Watches queues and agents, reads every record.',
    permissions: ['agent.view', 'skillgroup.view', 'supervisor.monitor', 'calls.view_all', 'recordings.listen_all', 'reports.view', 'apitoken.manage', 'blacklist.manage'],
  },
  { code: 'qa', name: 'Quality inspector', description: 'Replays and scores recordings and chats.', permissions: ['agent.view', 'calls.view_all', 'recordings.listen_all', 'qa.score'] },
  { code: 'agent', name: 'Agent', description: 'Takes calls and chats.', permissions: ['calls.handle', 'chat.handle', 'skillgroup.view'] },
];

/** The effective permission set of a user: everything for the superadmin, else the union of enabled roles. */
export function effectivePermissions(user: { isSuperadmin: boolean }, roles: { enabled: boolean; permissions: readonly string[] }[]): Set<Permission> {
  if (user.isSuperadmin) return new Set(PERMISSION_CODES);
  const granted = new Set<Permission>();
  for (const role of roles) {
    if (!role.enabled) continue;
    for (const p of role.permissions) if (isPermission(p)) granted.add(p);
  }
  return granted;
}
