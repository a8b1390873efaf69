/**
 * What a metric may look like on the wire: the collector's schema enforces these, clients (the
 * agent, the SDK) check them before sending.
 */
export const METRIC_LIMITS = {
  servicePattern: /^[A-Za-z0-9_.:/-]+$/,
  serviceMaxLength: 128,
  namePattern: /^[A-Za-z_][A-Za-z0-9_.:]*$/,
  nameMaxLength: 256,
  /** Default of --max-tags. */
  maxTags: 32,
  tagKeyPattern: /^[A-Za-z_][A-Za-z0-9_.-]*$/,
  tagKeyMaxLength: 128,
  tagValueMaxLength: 256,
} as const;
