export * from './fake-provider-server';
export { answerForSchema } from './schema-answer';
export { WIRE_FORMATS, type WireFormat } from './wire-formats';
