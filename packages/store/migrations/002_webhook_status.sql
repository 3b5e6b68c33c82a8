-- Whether a finished task's webhook was delivered. NULL while a delivery is owed: the recovery
-- sweeper re-enqueues deliveries whose job Redis lost.
ALTER TABLE tasks ADD COLUMN webhook_status text CHECK (webhook_status IN ('delivered', 'failed'));
CREATE INDEX tasks_webhook_owed ON tasks (completed_at)
  WHERE callback_url IS NOT NULL AND webhook_status IS NULL AND status IN ('completed', 'failed', 'timed_out', 'cancelled');
