DROP FUNCTION vk.tsquery_lexemes(text);
