use chrono::{DateTime, Utc};

/// What a worker says about itself at each heartbeat.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkerInfo {
    pub worker_id: String,
    pub hostname: String,
    pub queues: Vec<String>,
    /// How many tasks it runs at once.
    pub capacity: i32,
    /// Free text such as `running` or `draining`.
    pub state: String,
}

/// A row of `workers`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkerRecord {
    pub worker_id: String,
    pub hostname: String,
    pub queues: Vec<String>,
    pub capacity: i32,
    pub state: String,
    pub started_at: DateTime<Utc>,
    pub last_heartbeat: DateTime<Utc>,
}

/// A row of `scheduler_heartbeats`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchedulerRecord {
    pub scheduler_id: String,
    pub hostname: String,
    pub started_at: DateTime<Utc>,
    pub last_heartbeat: DateTime<Utc>,
}

/// A pool and how many of its slots running task instances hold now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolRecord {
    pub name: String,
    pub slots: i32,
    pub description: Option<String>,
    pub running: i64,
}
