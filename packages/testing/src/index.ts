export * from './test-env';
export * from './scripted-model';
export * from './in-process-mesh';
export * from './fake-provider';
export * from './process-launcher';
export * from './mesh-fake-responder';
export * from './api-client';
export * from './private-services';
