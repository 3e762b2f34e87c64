-- One recording per raw file: a call's recording is registered once, whoever finishes it
-- first (earlier versions registered it twice and transcoded it twice). Keep the oldest
-- row; the calls row points at whichever was registered last, so repoint it first.
UPDATE calls c SET recording_id = keep.id
  FROM recordings dup
  JOIN LATERAL (SELECT id FROM recordings o WHERE o.raw_path = dup.raw_path ORDER BY created_at, id LIMIT 1) keep ON true
 WHERE c.recording_id = dup.id AND keep.id <> dup.id;
DELETE FROM recordings r
 USING recordings older
 WHERE r.raw_path = older.raw_path
   AND (older.created_at, older.id) < (r.created_at, r.id);
CREATE UNIQUE INDEX recordings_raw_path ON recordings (raw_path);
