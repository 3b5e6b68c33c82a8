export * from './delete-network';
export * from './task-control';
export * from './task-control-deps';
export * from './task-status-announcer';
export * from './tenant-admission';
export * from './approval-announcer';
export * from './budget-reader';
export * from './run-again';
