// The composition root: the one place that wires stores, model, graph, bot and commands.
import { assistantFromGraph, buildAssistantGraph } from '../graphs/assistant/graph.js';
import { Bot } from './bot.js';
import { CommandRegistry } from './commands/registry.js';
import type { Config } from './config.js';
import { createChatModel } from './llm/factory.js';
import type { Logger } from './logger.js';
import { openEmbeddedStores } from './stores/embedded.js';
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
