-- As 0012's down: the drop locks vk.comments for a moment, waiting briefly and retried.
DROP INDEX IF EXISTS vk.comments_phrase_pairs_idx;
DROP FUNCTION IF EXISTS vk.phrase_pair_statistics();
DROP FUNCTION IF EXISTS vk.tsquery_pairs(text);
DROP FUNCTION IF EXISTS vk.lexeme_pairs(tsvector);
DROP FUNCTION IF EXISTS vk.lexeme_pair_key(text, text);
