-- $1 name
DELETE FROM pools WHERE name = $1
