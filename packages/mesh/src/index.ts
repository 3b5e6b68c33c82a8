export * from './task-control';
