/**
 * The API process's lifecycle as its surfaces see it: once draining (SIGTERM), `/readyz` answers
 * 503 so load balancers stop sending work, and open event streams end so their clients reconnect
 * to another instance, while requests in flight finish.
 */
export class ApiLifecycle {
  private drainingNow = false;
  private readonly listeners = new Set<() => void>();

  get draining(): boolean {
    return this.drainingNow;
  }

  beginDrain(): void {
    if (this.drainingNow) return;
    this.drainingNow = true;
    for (const listener of [...this.listeners]) listener();
    this.listeners.clear();
  }

  /** Calls `listener` when draining begins (at once if it has); returns the unsubscriber. */
  onDrain(listener: () => void): () => void {
    if (this.drainingNow) {
      listener();
      return () => {};
    }
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
