SELECT entity_key, features, as_of
FROM online_features
WHERE view = $1 AND entity_key = $2
