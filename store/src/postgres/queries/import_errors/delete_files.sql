-- The files that load now. $1 files
DELETE FROM import_errors WHERE file = ANY ($1)
