// What the Discord end-to-end tests share: one Crosstalk process as `crosstalk run` wires it for
// Discord (configuration from variables, the app, the real discord.js adapter) against the local
// fake Discord, and a wait that polls for what a user would see.
import { startDiscord, type RunningDiscord } from '../../adapters/discord/discord-adapter.js';
import { createApp, type App } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { APPLICATION_ID, BOT_USER, GUILD_ID, type FakeDiscord } from '../fakes/discord-rest.js';

export const MENTION = `<@${BOT_USER.id}>`;

export interface DiscordProcess {
  app: App;
  platform: RunningDiscord;
  stop(): Promise<void>;
}

/** Starts the app on Discord with `env` on top of the fake's credentials; resolves once connected. */
export async function startDiscordProcess(discord: FakeDiscord, env: Record<string, string>): Promise<DiscordProcess> {
  const config = loadConfig({
    DISCORD_TOKEN: discord.token,
    DISCORD_APPLICATION_ID: APPLICATION_ID,
    DISCORD_GUILD_ID: GUILD_ID,
    DISCORD_API_URL: discord.apiUrl,
    ...env,
  });
  const logger = createLogger((process.env.TEST_LOG_LEVEL as 'debug' | undefined) ?? 'silent');
  const app = await createApp(config, logger);
  try {
    const platform = await startDiscord({ ...config.discord!, botName: config.botName, bot: app.bot, commands: app.commands.list(), logger });
    return {
      app,
      platform,
      async stop() {
        await platform.stop();
        await app.close();
      },
    };
  } catch (error) {
    await app.close();
    throw error;
  }
}

export async function waitFor<T>(what: string, probe: () => T | undefined | false, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
