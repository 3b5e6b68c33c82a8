-- A task that runs a case of an evaluation run says so (set when the case is linked to it), so
-- that a task's end looks its case up only when it has one, not on every task of every tenant.
ALTER TABLE tasks ADD COLUMN evaluated boolean NOT NULL DEFAULT false;
