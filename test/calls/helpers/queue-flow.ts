import crypto from 'node:crypto';
import type { Db } from '../../../server/db/pool';
import { MediaFiles } from '../../../server/ivr/prompts/media-files';
import { createFlow, publishDraft } from '../../../server/ivr/store/flows';

const SILENCE = { file: 'silence_stream://100' };

/**
 * The flow both call suites (simulator and real FreeSWITCH) drive: queue into a fresh
 * skill group, then the two-level survey (1 满意 → 2 态度热情, or 2 不满意), then hang up;
 * published and bound to `number`.
 */
export async function bindQueueSurveyFlow(db: Db, opts: { number: string; namePrefix: string; description: string; surveyTimeoutMs: number; mediaDir: string }): Promise<{ groupId: string; groupName: string }> {
  const groupName = `support${crypto.randomBytes(3).toString('hex')}`;
  const groupId = (await db.query<{ id: string }>('INSERT INTO skill_groups (name) VALUES ($1) RETURNING id', [groupName])).rows[0]!.id;
  const flow = await createFlow(db, {
    name: `${opts.namePrefix}-${crypto.randomBytes(3).toString('hex')}`,
    description: opts.description,
    draft: {
      name: 'x',
      language: 'zh',
      start: 'queue',
      nodes: [
        { id: 'queue', type: 'queue', params: { skillGroup: groupName, timeoutSec: 600, holdMusic: { file: 'local_stream://moh' } }, exits: { answered: 'survey', timeout: 'bye', full: 'bye', no_agents: 'bye' } },
        {
          id: 'survey',
          type: 'survey',
          params: { survey: 'csat', prompt: SILENCE, options: [{ digit: '1', label: '满意', followUp: { prompt: SILENCE, options: [{ digit: '2', label: '态度热情' }] } }, { digit: '2', label: '不满意' }], timeoutMs: opts.surveyTimeoutMs, retries: 0 },
          exits: { next: 'bye' },
        },
        { id: 'bye', type: 'hangup', params: {} },
      ],
    },
  });
  await publishDraft(db, flow.id, null, 'test', new MediaFiles(opts.mediaDir));
  await db.query('INSERT INTO ivr_service_numbers (number, flow_id) VALUES ($1, $2)', [opts.number, flow.id]);
  return { groupId, groupName };
}
