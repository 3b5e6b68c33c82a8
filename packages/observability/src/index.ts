export * from './logger';
export * from './metrics';
export * from './ops-server';
export * from './tracing';
export * from './prometheus-text';
