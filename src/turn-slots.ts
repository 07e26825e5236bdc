/**
 * At most `limit` turns run at once in one process. A turn past the limit waits for a slot (its
 * messages stay in the durable inbox), so a burst of events cannot starve the event loop that
 * acknowledges new ones; more throughput comes from more replicas.
 */
export class TurnSlots {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly limit: number) {}

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.running < this.limit) this.running++;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      return await work();
    } finally {
      // Hand the slot straight to the next waiter, so no newcomer can overtake it.
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }
}
