export * from './heartbeats';
export * from './job-catalog';
export * from './mesh-queues';
export * from './queue-names';
export * from './redis-connection';
export * from './task-events';
export * from './tenant-load';
