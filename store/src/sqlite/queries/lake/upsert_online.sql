INSERT INTO online_features (view, entity_key, features, as_of, updated_at)
SELECT ?1, json_extract(j.value, '$.k'), json_extract(j.value, '$.f'), json_extract(j.value, '$.a'), ?2
FROM json_each(?3) AS j
WHERE true
ON CONFLICT (view, entity_key) DO UPDATE SET
    features = excluded.features,
    as_of = excluded.as_of,
    updated_at = excluded.updated_at
WHERE online_features.as_of <= excluded.as_of
