-- A new keyword watch; its text and URL are parameters, whatever a person typed.
INSERT INTO vk.watches (name, query, group_ids, webhook_url)
VALUES (%(name)s, %(query)s, %(group_ids)s, %(webhook_url)s)
RETURNING watch_id, name, query, group_ids, webhook_url, is_active, created_at;
