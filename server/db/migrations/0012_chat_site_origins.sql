-- Origins (scheme://host[:port]) allowed to frame a site's standalone chat page (/chat/page).
-- Empty: only Hotline's own pages may frame it.
ALTER TABLE chat_sites ADD COLUMN allowed_origins text[] NOT NULL DEFAULT '{}';
