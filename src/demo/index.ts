export { DemoTraffic } from './demo-traffic.js';
export type { DemoMetric } from './demo-traffic.js';
