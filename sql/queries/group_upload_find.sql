SELECT upload_id, file_name, status, refusal_reason, lines_total, loaded_count, duplicate_count,
       not_found_count, closed_count, private_count, deleted_count, banned_count,
       unparseable_count
FROM vk.group_uploads
WHERE content_hash = %(content_hash)s;
