-- ?1 username, ?2 password_hash, ?3 role, ?4 now
INSERT INTO users (username, password_hash, role, created_at, updated_at)
VALUES (?1, ?2, ?3, ?4, ?4)
RETURNING id, username, password_hash, role, created_at, updated_at
