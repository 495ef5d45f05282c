-- ?1 scheduler_id, ?2 hostname, ?3 now
INSERT INTO scheduler_heartbeats (scheduler_id, hostname, started_at, last_heartbeat)
VALUES (?1, ?2, ?3, ?3)
ON CONFLICT (scheduler_id) DO UPDATE
SET hostname = excluded.hostname, last_heartbeat = excluded.last_heartbeat
