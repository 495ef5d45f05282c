-- Sessions go with the user (ON DELETE CASCADE). ?1 username
DELETE FROM users WHERE username = ?1
