/**
 * A replica's own load, as the controller's autoscaler scrapes it from `/_eventflow/stats`:
 * requests started and the time integral of requests in flight ("concurrency-seconds"). The
 * replica counts them itself so that every request it serves counts, whichever way it came.
 * Dividing the integral's growth by the time between two scrapes gives the average concurrency
 * over that interval, however short the requests were (sampling `inFlight` would miss them).
 */

/** What `/_eventflow/stats` answers. */
export interface LoadSnapshot {
  readonly inFlight: number;
  readonly requests: number;
  readonly concurrencySeconds: number;
  readonly uptimeSeconds: number;
}

/**
 * Counters updated on the hot path: two additions and a multiplication per change of the
 * number in flight, with the `performance.now()` the server reads anyway. Times are
 * milliseconds of `performance.now()`, which starts at 0 with the process.
 */
export class LoadCounter {
  /** Requests taken by the handler and not finished yet. */
  inFlight = 0;
  /** Requests taken by the handler since the process started (refused ones are not counted). */
  requests = 0;
  private busyMs = 0;
  private lastMs = 0;

  /** A request was taken at `at`. */
  begin(at: number): void {
    this.advance(at);
    this.inFlight++;
    this.requests++;
  }

  /** A request finished at `at`. */
  end(at: number): void {
    this.advance(at);
    this.inFlight--;
  }

  /** The counters as of `at` (the integral includes the time since the last change). */
  snapshot(at: number): LoadSnapshot {
    const pendingMs = at > this.lastMs ? this.inFlight * (at - this.lastMs) : 0;
    return {
      inFlight: this.inFlight,
      requests: this.requests,
      concurrencySeconds: (this.busyMs + pendingMs) / 1000,
      uptimeSeconds: at / 1000,
    };
  }

  private advance(at: number): void {
    // Times arrive in order on one thread; the guard only keeps the integral from shrinking.
    if (at > this.lastMs) {
      this.busyMs += this.inFlight * (at - this.lastMs);
      this.lastMs = at;
    }
  }
}
