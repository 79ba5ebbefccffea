-- Sets plan settings for the search statements after it on the connection, and returns what
-- each was, to be set back after them (query/prepared.py). Without pg_settings, which lists
-- every setting the server has for each call (0.7 ms, against 0.1).
SELECT setting.name, was.before, set_config(setting.name, setting.value, false)
FROM unnest(%(names)s::text[], %(values)s::text[]) AS setting(name, value)
CROSS JOIN LATERAL (SELECT current_setting(setting.name) AS before) AS was;
