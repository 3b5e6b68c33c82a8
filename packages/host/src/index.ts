export * from './agent-worker-pool';
export * from './attempt-span';
export * from './connections';
export * from './job-span';
export * from './job-worker';
export * from './run-process';
export * from './runtime';
export * from './secret-scrubber';
