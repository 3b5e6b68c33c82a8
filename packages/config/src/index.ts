export * from './config';
export * from './config-error';
export * from './env-types';
export * from './llm-env';
export * from './tools-env';
export * from './budgets-env';
