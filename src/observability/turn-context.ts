// The turn a piece of work belongs to, carried by async context: every log line written while a
// turn runs (bot, adapter, graph, stores) gets its turn id without each layer passing it along.
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';

export interface TurnScope {
  turnId: string;
  /** `platform:workspace:channel:thread` of the thread being answered. */
  thread: string;
}

const storage = new AsyncLocalStorage<TurnScope>();

export function newTurnId(): string {
  // 12 hex characters: unique enough to grep a day of logs, short enough to read.
  return randomUUID().replaceAll('-', '').slice(0, 12);
}

export function runInTurn<T>(scope: TurnScope, work: () => T): T {
  return storage.run(scope, work);
}

export function currentTurn(): TurnScope | undefined {
  return storage.getStore();
}
