-- ?1 session_hash, ?2 now
SELECT u.id, u.username, u.password_hash, u.role, u.created_at, u.updated_at,
       s.csrf_token, s.created_at AS session_created_at, s.expires_at
FROM sessions AS s
JOIN users AS u ON u.id = s.user_id
WHERE s.session_hash = ?1 AND s.expires_at > ?2
