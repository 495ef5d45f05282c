SELECT id, username, password_hash, role, created_at, updated_at FROM users ORDER BY username
