SELECT p.name, p.slots, p.description,
       (SELECT count(*) FROM task_instances AS t
        WHERE t.state = 'running' AND t.pool = p.name) AS running
FROM pools AS p
ORDER BY p.name
