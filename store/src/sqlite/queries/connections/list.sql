SELECT name, url, description, created_at, updated_at
FROM connections
ORDER BY name
