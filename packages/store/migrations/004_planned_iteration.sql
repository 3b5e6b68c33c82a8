-- The last iteration whose plan is stored: the guard that stores each plan exactly once, in the
-- same statement as the plan itself (see SubtaskRepository.insertPlan).
ALTER TABLE tasks ADD COLUMN planned_iteration integer NOT NULL DEFAULT 0;
UPDATE tasks t SET planned_iteration = coalesce((SELECT max(iteration) FROM subtasks s WHERE s.task_id = t.id), 0);
