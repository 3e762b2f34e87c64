import { z } from 'zod';

/**
 * Dialog settings (seed 000 §4.2.1 常用说辞和提示, §4.2.2 评价设置; seed 002 §2.2 对话设置).
 * One document, validated here; every text is bilingual because the widget speaks
 * Simplified Chinese and English. Defaults are the seeds' own wording.
 */
const text = (zh: string, en: string) => z.object({ zh: z.string().max(1000), en: z.string().max(1000) }).default({ zh, en });
const toggleText = (enabled: boolean, zh: string, en: string) => z.object({ enabled: z.boolean(), zh: z.string().max(1000), en: z.string().max(1000) }).default({ enabled, zh, en });
const timed = (enabled: boolean, seconds: number, zh: string, en: string) =>
  z.object({ enabled: z.boolean(), seconds: z.number().min(1).max(7200), zh: z.string().max(1000), en: z.string().max(1000) }).default({ enabled, seconds, zh, en });

const ratingLevel = z.object({ zh: z.string().max(40), en: z.string().max(40), tags: z.array(z.string().min(1).max(40)).max(9).default([]) });

export const RATING_DEFAULT_LABELS: Record<2 | 3 | 5, { zh: string; en: string }[]> = {
  2: [
    { zh: '满意', en: 'Satisfied' },
    { zh: '不满意', en: 'Dissatisfied' },
  ],
  3: [
    { zh: '满意', en: 'Satisfied' },
    { zh: '一般', en: 'Neutral' },
    { zh: '不满意', en: 'Dissatisfied' },
  ],
  5: [
    { zh: '非常满意', en: 'Very satisfied' },
    { zh: '满意', en: 'Satisfied' },
    { zh: '一般', en: 'Neutral' },
    { zh: '不满意', en: 'Dissatisfied' },
    { zh: '非常不满意', en: 'Very dissatisfied' },
  ],
};

export const leaveMessageField = z.object({
  key: z.string().regex(/^[a-z][a-z0-9_]{0,31}$/),
  label: z.string().min(1).max(60),
  labelZh: z.string().min(1).max(60),
  type: z.enum(['text', 'textarea', 'email', 'phone']).default('text'),
  required: z.boolean().default(false),
});

export const chatSettingsSchema = z.object({
  messages: z
    .object({
      welcome: toggleText(true, '您好，很高兴能为您服务！请问有什么可以帮您的吗？', 'Hello, glad to help you! What can we do for you?'),
      noAgent: text('非常抱歉，当前没有客服在线。客服工作时间为工作日9:00-20:00', 'Sorry, no agent is online right now. We are available on weekdays 9:00-20:00.'),
      outOfHours: text('您好，当前非工作时间段', 'Hello, we are outside working hours now.'),
      queue: text('排队中，您在队伍中的第#人数#个', 'You are number #人数# in the queue.'),
      queueTooLong: z
        .object({ enabled: z.boolean(), over: z.number().int().min(1).max(10000), zh: z.string().max(1000), en: z.string().max(1000) })
        .default({ enabled: true, over: 10, zh: '您在队伍中的第#人数#个，当前等待人数较多，建议非繁忙时间再咨询', en: 'You are number #人数# in the queue. Many people are waiting; please consider coming back at a quieter time.' }),
      assigned: toggleText(true, '坐席分配成功，{agent}为您服务。', 'Connected: {agent} is here to help you.'),
      transferred: toggleText(true, '已为您转接坐席{agent}', 'You have been transferred to {agent}.'),
      transferRequest: text('坐席{agent}请求将访客{user}转接', 'Agent {agent} asks to transfer visitor {user} to you'),
      closing: toggleText(true, '本次咨询已结束，感谢您的支持，祝您生活愉快！', 'This conversation has ended. Thank you, and have a nice day!'),
      blacklisted: text('抱歉，您暂时无法发起咨询。', 'Sorry, you cannot start a conversation at the moment.'),
      inputHintChat: text('请简要提交您的问题', 'Briefly describe your question'),
      inputHintQueue: text('接入排队中，请稍候.....', 'Connecting you, please wait...'),
      ratingInvite: text('请对我们的服务做出评价', 'Please rate our service'),
      recalled: text('消息已撤回', 'Message recalled'),
    })
    .prefault({}),
  timers: z
    .object({
      /** 客户超时提示 / 客户超时下线 */
      visitorIdleWarn: timed(true, 180, '您好，由于您长时间没有回复，本次咨询将于2分钟后自动结束。', 'You have not replied for a while; this conversation will end in 2 minutes.'),
      visitorIdleClose: timed(true, 120, '您好，由于您长时间没有回复，系统自动结束了本次咨询。', 'As you have not replied, the conversation was ended automatically.'),
      /** 客服超时回复 */
      agentReply: timed(true, 120, '您好，当前咨询客户量过多，客服正在忙碌中，请稍候。', 'We are busy right now; an agent will reply shortly.'),
      /** 排队超时 */
      queueTimeout: timed(true, 180, '对不起。排队超时', 'Sorry, the wait has timed out.'),
      /* 关闭或刷新浏览器 自动离线: not a chat setting any more; realtime liveness covers every channel (AGENT_OFFLINE_GRACE_SECONDS). */
      visitorGoneAfterSeconds: z.number().min(1).max(3600).default(30),
      /** 转接 确认超时时长 */
      transferAcceptSeconds: z.number().min(1).max(600).default(60),
    })
    .prefault({}),
  rating: z
    .object({
      levels: z.union([z.literal(2), z.literal(3), z.literal(5)]).default(5),
      /** Per level, best first; missing labels fall back to the seed's names. */
      options: z.array(ratingLevel).max(5).default([]),
      comment: z.boolean().default(true),
      autoOnClose: z.boolean().default(true),
    })
    .prefault({}),
  limits: z
    .object({
      textMaxChars: z.number().int().min(1).max(20000).default(5000),
      imageMaxBytes: z.number().int().min(1).max(50 * 1024 * 1024).default(5 * 1024 * 1024),
      fileMaxBytes: z.number().int().min(1).max(100 * 1024 * 1024).default(10 * 1024 * 1024),
      recallSeconds: z.number().int().min(0).max(3600).default(120),
    })
    .prefault({}),
  leaveMessage: z
    .object({
      enabled: z.boolean().default(true),
      fields: z.array(leaveMessageField).max(20).default([
        { key: 'name', label: 'Name', labelZh: '姓名', type: 'text', required: true },
        { key: 'phone', label: 'Phone', labelZh: '电话', type: 'phone', required: false },
        { key: 'email', label: 'Email', labelZh: '邮箱', type: 'email', required: false },
        { key: 'message', label: 'Message', labelZh: '留言内容', type: 'textarea', required: true },
      ]),
    })
    .prefault({}),
});

export type ChatSettings = z.output<typeof chatSettingsSchema>;
export type Lang = 'zh' | 'en';

export function parseSettings(raw: unknown): ChatSettings {
  return chatSettingsSchema.parse(raw ?? {});
}

/** Rating options for the configured mode: labels and tags per level, best first. */
export function ratingOptions(s: ChatSettings): { level: number; zh: string; en: string; tags: string[] }[] {
  const defaults = RATING_DEFAULT_LABELS[s.rating.levels];
  return defaults.map((d, i) => {
    const o = s.rating.options[i];
    return { level: s.rating.levels - i, zh: o?.zh || d.zh, en: o?.en || d.en, tags: o?.tags ?? [] };
  });
}

/**
 * Fills a system message. Placeholders of both seeds: `#人数#` (000: the visitor's
 * place in the queue), `{index}` (002: place in queue), `{num}` (002: people ahead),
 * `{agent}`, `{user}`, `{time}`. Unknown placeholders stay as written.
 */
export function render(template: string, vars: { position?: number | null; agent?: string; user?: string; time?: string }): string {
  const pos = vars.position ?? null;
  return template
    .replace(/#人数#/g, pos === null ? '' : String(pos))
    .replace(/\{index\}/g, pos === null ? '' : String(pos))
    .replace(/\{num\}/g, pos === null ? '' : String(Math.max(0, pos - 1)))
    .replace(/\{agent\}/g, vars.agent ?? '')
    .replace(/\{user\}/g, vars.user ?? '')
    .replace(/\{time\}/g, vars.time ?? '');
}

export function pick(t: { zh: string; en: string }, lang: Lang): string {
  return lang === 'en' ? t.en : t.zh;
}

/** The queue message: the "too long" variant once more than `over` people are ahead. */
export function queueText(s: ChatSettings, position: number, lang: Lang): string {
  const long = s.messages.queueTooLong;
  const t = long.enabled && position > long.over ? long : s.messages.queue;
  return render(pick(t, lang), { position });
}
