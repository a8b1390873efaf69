/** What a started role of `vantage collector`, `worker` or `api` gives back: its ports and how to stop it. */
export interface RunningRole {
  readonly ports: Record<string, number>;
  /** Reads the rules directory again (SIGHUP); only `vantage api` has one. */
  reload?(): Promise<void>;
  /** Stops taking work, finishes what is in flight, closes connections. */
  close(): Promise<void>;
}
