-- processed_at: the clock now, never before received_at (which may come from another clock:
-- the uploaded file's own time).
INSERT INTO vk.group_uploads (
    file_name, content_hash, size_bytes, status, refusal_reason, received_at, processed_at,
    lines_total, loaded_count, duplicate_count, not_found_count, closed_count, private_count,
    deleted_count, banned_count, unparseable_count)
VALUES (
    %(file_name)s, %(content_hash)s, %(size_bytes)s, %(status)s, %(refusal_reason)s,
    %(received_at)s, GREATEST(clock_timestamp(), %(received_at)s), %(lines_total)s, %(loaded)s, %(duplicate)s, %(not_found)s,
    %(closed)s, %(private)s, %(deleted)s, %(banned)s, %(unparseable)s)
ON CONFLICT (content_hash) DO NOTHING
RETURNING upload_id;
