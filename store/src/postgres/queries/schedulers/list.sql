SELECT scheduler_id, hostname, started_at, last_heartbeat
FROM scheduler_heartbeats ORDER BY scheduler_id
