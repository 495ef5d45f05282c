-- ?1 name
DELETE FROM connections WHERE name = ?1
