-- $1 file
DELETE FROM import_errors WHERE file = $1
