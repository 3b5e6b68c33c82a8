-- Stats and track records (issue 20): a network's subtasks by when they count in a window (when
-- they finished, or, not finished, when they were created). The coordinator reads its
-- specialists' last 30 days through it when it plans; without it that read scans every network's
-- subtasks.
CREATE INDEX subtasks_network_time ON subtasks (network_id, (coalesce(finished_at, created_at)));
