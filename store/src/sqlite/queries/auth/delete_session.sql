-- ?1 session_hash
DELETE FROM sessions WHERE session_hash = ?1
