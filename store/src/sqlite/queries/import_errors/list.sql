SELECT file, diagnostics, first_seen_at, updated_at FROM import_errors ORDER BY file
