-- $1 token_hash
SELECT id, name, prefix, role, created_by, created_at, expires_at, last_used_at, revoked_at FROM api_tokens WHERE token_hash = $1
