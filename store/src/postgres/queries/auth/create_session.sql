-- $1 session_hash, $2 user_id, $3 csrf_token, $4 expires_at, $5 now
INSERT INTO sessions (session_hash, user_id, csrf_token, expires_at, created_at)
VALUES ($1, $2, $3, $4, $5)
