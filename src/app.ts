// The composition root: the one place that wires stores, model, graph, bot and commands.
import { assistantFromGraph, buildAssistantGraph } from '../graphs/assistant/graph.js';
import { ShellAdapter } from '../adapters/shell/shell-adapter.js';
import { Bot } from './bot.js';
import { CommandRegistry } from './commands/registry.js';
import type { Config } from './config.js';
import { createChatModel } from './llm/factory.js';
import type { Logger } from './logger.js';
import { openEmbeddedStores } from './stores/embedded.js';
import type { ChatSurface, Platform } from './model.js';
import type { Stores } from './stores/ports.js';

export interface App {
  bot: Bot;
  stores: Stores;
  commands: CommandRegistry;
  /** `offline`, or the model in use. */
  modelLabel: string;
  close(): Promise<void>;
}

export async function createApp(config: Config, logger: Logger, stores: Stores = openEmbeddedStores(config.dataDir)): Promise<App> {
  const { model, label, offline } = createChatModel(config.llm);
  const graph = await buildAssistantGraph({
    model,
    offline,
    knowledge: stores.knowledge,
    transcripts: stores.transcripts,
    checkpointer: stores.checkpointer,
    botName: config.botName,
    promptTokenBudget: config.promptTokenBudget,
  });
  const commands = new CommandRegistry(config.botName);
  const bot = new Bot({
    stores,
    assistant: assistantFromGraph(graph, config.promptTokenBudget),
    commands,
    logger,
    botName: config.botName,
  });
  logger.info({ model: label, dataDir: config.dataDir }, 'crosstalk is ready');
  return {
    bot,
    stores,
    commands,
    modelLabel: label,
    close: async () => {
      await bot.idle();
      await stores.close();
    },
  };
}

/** A platform adapter that is connected and taking events. */
export interface RunningPlatform {
  surface: ChatSurface;
  /** Stops taking new events; resolves once the platform is disconnected. */
  stop(): Promise<void>;
}

/**
 * Runs the bot on every configured platform until SIGINT or SIGTERM, or, when none is
 * configured, as a chat on this terminal until its input ends.
 */
export async function runApp(config: Config, logger: Logger): Promise<void> {
  const app = await createApp(config, logger);
  const platforms: RunningPlatform[] = [];
  const surfaceFor = (platform: Platform) => platforms.find((running) => running.surface.platform === platform)?.surface;

  if (platforms.length === 0) {
    const shell = new ShellAdapter({
      input: process.stdin,
      output: process.stdout,
      botName: config.botName,
      transcripts: app.stores.transcripts,
    });
    await app.bot.resumePending((platform) => (platform === 'shell' ? shell : undefined));
    await shell.run(app.bot);
  } else {
    await app.bot.resumePending(surfaceFor);
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    logger.info('stopping: no new events, finishing turns in flight');
    await Promise.all(platforms.map((platform) => platform.stop()));
  }
  await app.close();
}
