export * from './callback-url-check';
export * from './callback-url-policy';
export * from './task-webhook';
export * from './webhook-delivery';
export * from './webhook-signature';
