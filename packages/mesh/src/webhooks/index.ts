export * from './callback-url-policy';
export * from './webhook-delivery';
export * from './webhook-signature';
export * from './webhook-worker';
