-- The attachments a planned subtask is given (issue 21): names of its task's attachments, which
-- the worker loads and sends to the specialist's model as files. Empty for subtasks without.
ALTER TABLE subtasks ADD COLUMN attachments text[] NOT NULL DEFAULT '{}';
