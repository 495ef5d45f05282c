-- $1 the files that still have errors
DELETE FROM import_errors WHERE NOT (file = ANY ($1))
