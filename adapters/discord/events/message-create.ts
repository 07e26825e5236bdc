import type { Message } from 'discord.js';
import type { DiscordContext } from '../context.js';
import { routeMessage } from '../route-message.js';

export async function onMessageCreate(context: DiscordContext, message: Message): Promise<void> {
  await routeMessage(context, message);
}
