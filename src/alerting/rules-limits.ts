/** Bounds on what rule files and the rules API may grow (docs/operations.md, "Alerting"). */
export interface RulesLimits {
  /** Rules in force, files and API together. */
  readonly maxRules: number;
  /** Alert instances (rows) one rule may hold; rows past it are dropped and counted. */
  readonly maxInstancesPerRule: number;
}

export const DEFAULT_RULES_LIMITS: RulesLimits = { maxRules: 10_000, maxInstancesPerRule: 1_000 };

/** Fixed bounds of one rule, not worth a setting each. */
export const RULE_LIMITS = {
  /** Bytes of one rules file or API body. */
  fileBytes: 4 * 1024 * 1024,
  /** The shortest evaluation interval: faster would be polling the store, not alerting. */
  minIntervalMs: 5_000,
  defaultIntervalMs: 30_000,
  labels: 32,
  annotations: 32,
  textChars: 4_096,
} as const;
