-- $1 name
SELECT url FROM connections WHERE name = $1
