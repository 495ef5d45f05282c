-- $1 username
SELECT id, username, password_hash, role, created_at, updated_at FROM users WHERE username = $1
