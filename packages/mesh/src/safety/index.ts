export * from './content-rules';
export * from './content-safety';
export * from './luhn';
export * from './moderator';
export * from './openai-moderator';
export * from './output-screening';
export * from './pii-redactor';
