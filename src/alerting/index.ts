export { notifierConfigSchema, notifiersSectionSchema } from './alert.js';
export type { AlertInstance, AlertSink, AlertState, NotifierConfig } from './alert.js';
