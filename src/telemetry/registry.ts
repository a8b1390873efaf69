import { Registry, collectDefaultMetrics } from 'prom-client';

export type Role = 'collector' | 'worker' | 'api';

/**
 * One registry per role, so that in embedded mode (all roles in one process) each role's port
 * serves its own metrics, as in the distributed deployment. Process metrics (CPU, memory, event
 * loop) belong to one registry per process: the caller says which.
 */
export function createRoleRegistry(role: Role, options: { processMetrics: boolean }): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ role });
  if (options.processMetrics) collectDefaultMetrics({ register: registry, prefix: 'vantage_' });
  return registry;
}
