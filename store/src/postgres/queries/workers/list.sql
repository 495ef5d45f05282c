SELECT worker_id, hostname, queues, capacity, state, started_at, last_heartbeat
FROM workers ORDER BY worker_id
