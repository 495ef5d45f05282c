-- ?1 username, ?2 password_hash, ?3 role, ?4 now
UPDATE users SET password_hash = ?2, role = ?3, updated_at = ?4 WHERE username = ?1
