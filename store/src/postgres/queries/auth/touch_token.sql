-- $1 id, $2 at
UPDATE api_tokens SET last_used_at = $2 WHERE id = $1
