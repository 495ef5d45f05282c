-- ?1 worker_id, ?2 hostname, ?3 queues (JSON), ?4 capacity, ?5 state, ?6 now
INSERT INTO workers (worker_id, hostname, queues, capacity, state, started_at, last_heartbeat)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)
ON CONFLICT (worker_id) DO UPDATE
SET hostname = excluded.hostname, queues = excluded.queues, capacity = excluded.capacity,
    state = excluded.state, last_heartbeat = excluded.last_heartbeat
