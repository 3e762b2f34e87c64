import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { get } from '../api/http';
import type { CallDetail, TagDef } from '../api/types';
import { calls } from './commands';

/** Call tags (the admin's call-tag tree, leaves) and notes, saved on the call record. */
export function TagsNotes({ callId, onError }: { callId: string; onError: (e: unknown) => void }) {
  const { t } = useTranslation();
  const [defs, setDefs] = useState<TagDef[]>([]);
  const [tags, setTags] = useState<Set<string>>(new Set());
  const [notes, setNotes] = useState('');
  const [saved, setSaved] = useState(false);
  useEffect(() => {
    void get<TagDef[]>('/api/call-tags').then((d) => setDefs(d.filter((x) => x.kind === 'call' && x.enabled)), () => undefined);
    void get<CallDetail>(`/api/calls/${encodeURIComponent(callId)}`).then(
      (d) => {
        setTags(new Set(d.tags.map((x) => x.id)));
        setNotes(d.notes ?? '');
      },
      () => undefined,
    );
  }, [callId]);
  const toggle = async (id: string) => {
    try {
      if (tags.has(id)) await calls.untag(callId, id);
      else await calls.tag(callId, id);
      setTags((s) => {
        const n = new Set(s);
        if (n.has(id)) n.delete(id);
        else n.add(id);
        return n;
      });
    } catch (err) {
      onError(err);
    }
  };
  const save = async () => {
    try {
      await calls.setNotes(callId, notes);
      setSaved(true);
    } catch (err) {
      onError(err);
    }
  };
  const leaves = defs.filter((d) => !defs.some((c) => c.parentId === d.id));
  return (
    <section className="tags-notes" data-testid="tags-notes">
      {leaves.length > 0 && (
        <div className="tags" aria-label={t('pop.tags')}>
          {leaves.map((d) => (
            <button key={d.id} type="button" className={tags.has(d.id) ? 'tag on' : 'tag'} aria-pressed={tags.has(d.id)} onClick={() => void toggle(d.id)}>
              {d.name}
            </button>
          ))}
        </div>
      )}
      <textarea aria-label={t('pop.notes')} placeholder={t('pop.notes')} value={notes} maxLength={4000} onChange={(e) => (setNotes(e.target.value), setSaved(false))} />
      <button type="button" onClick={() => void save()}>
        {saved ? t('pop.saved') : t('pop.saveNotes')}
      </button>
    </section>
  );
}
