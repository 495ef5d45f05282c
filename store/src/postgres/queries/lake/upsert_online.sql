INSERT INTO online_features (view, entity_key, features, as_of, updated_at)
SELECT $1, u.entity_key, u.features::jsonb, u.as_of, $5
FROM unnest($2::text[], $3::text[], $4::timestamptz[]) AS u(entity_key, features, as_of)
ON CONFLICT (view, entity_key) DO UPDATE SET
    features = excluded.features,
    as_of = excluded.as_of,
    updated_at = excluded.updated_at
WHERE online_features.as_of <= excluded.as_of
