/** What a started role of `vantage collector`, `worker` or `api` gives back: its ports and how to stop it. */
export interface RunningRole {
  readonly ports: Record<string, number>;
  /** Stops taking work, finishes what is in flight, closes connections. */
  close(): Promise<void>;
}
