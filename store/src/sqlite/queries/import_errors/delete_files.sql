-- The files that load now. ?1 files (JSON array)
DELETE FROM import_errors WHERE file IN (SELECT value FROM json_each(?1))
