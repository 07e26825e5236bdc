// The dispatch table: one handler file per gateway event. A handler's failure is logged, never
// thrown into discord.js.
import { Events, type Client, type ClientEvents } from 'discord.js';
import type { DiscordContext } from '../context.js';
import { onInteractionCreate } from './interaction-create.js';
import { onMessageCreate } from './message-create.js';
import { onShardDisconnect } from './shard-disconnect.js';
import { onShardReady } from './shard-ready.js';
import { onShardResume } from './shard-resume.js';

type Handler<E extends keyof ClientEvents> = (context: DiscordContext, ...args: ClientEvents[E]) => unknown;
interface Route {
  attach(client: Client, context: DiscordContext): () => void;
}

function on<E extends keyof ClientEvents>(event: E, handler: Handler<E>): Route {
  return {
    attach(client, context) {
      const listener = (...args: ClientEvents[E]) => {
        Promise.resolve()
          .then(() => handler(context, ...args))
          .catch((error: unknown) => context.log.error({ err: error, event }, 'a Discord event handler failed'));
      };
      client.on(event, listener);
      return () => void client.off(event, listener);
    },
  };
}

const routes: Route[] = [
  on(Events.MessageCreate, onMessageCreate),
  on(Events.InteractionCreate, onInteractionCreate),
  on(Events.ShardReady, onShardReady),
  on(Events.ShardResume, onShardResume),
  on(Events.ShardDisconnect, onShardDisconnect),
];

/** Attaches every handler; the returned function detaches them all. */
export function attachHandlers(client: Client, context: DiscordContext): () => void {
  const detachers = routes.map((route) => route.attach(client, context));
  return () => detachers.forEach((detach) => detach());
}
