-- ?1 name, ?2 token_hash, ?3 prefix, ?4 role, ?5 created_by, ?6 expires_at, ?7 now
INSERT INTO api_tokens (name, token_hash, prefix, role, created_by, expires_at, created_at)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
RETURNING id, name, prefix, role, created_by, created_at, expires_at, last_used_at, revoked_at
