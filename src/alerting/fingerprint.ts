import { createHash } from 'node:crypto';

/**
 * The stable id of an alert instance: its group and its labels (alertname among them), in key
 * order. 16 hex digits (64 bits): collisions among the at most millions of instances are remote.
 */
export function alertFingerprint(group: string, labels: Readonly<Record<string, string>>): string {
  const sorted = Object.keys(labels)
    .sort()
    .map((k) => [k, labels[k]]);
  return createHash('sha256')
    .update(JSON.stringify([group, sorted]))
    .digest('hex')
    .slice(0, 16);
}
