-- ?1 the files that still have errors (JSON array)
DELETE FROM import_errors WHERE file NOT IN (SELECT value FROM json_each(?1))
