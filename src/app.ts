// The composition root: the one place that wires stores, model, graph, bot and commands.
// Platform adapters are imported only when configured, so the terminal chat starts quickly.
import { assistantFromGraph, buildAssistantGraph } from '../graphs/assistant/graph.js';
import { ShellAdapter } from '../adapters/shell/shell-adapter.js';
import { DIGEST_COMMAND } from '../jobs/digest-command.js';
import { startJobs } from '../jobs/start.js';
import { HttpServer } from './http/server.js';
import { Bot } from './bot.js';
import { CommandRegistry } from './commands/registry.js';
import { ConfigError, type Config } from './config.js';
import { createChatModel } from './llm/factory.js';
import type { Logger } from './logger.js';
import { openInstallations, openStores, type OpenedInstallations } from './stores/open-stores.js';
import type { ChatSurface, Platform } from './model.js';
import type { Stores } from './stores/ports.js';
import { Health, type ReadinessCheck } from './observability/health.js';
import { LlmMetricsHandler } from './observability/llm-metrics.js';
import { Metrics } from './observability/metrics.js';
import { inboxDepth, storeReadinessChecks } from './observability/store-checks.js';
import { shutDown, waitForStopSignal } from './shutdown.js';
import type { ServiceCheck } from './doctor.js';

export interface App {
  bot: Bot;
  stores: Stores;
  commands: CommandRegistry;
  /** `offline`, or the model in use. */
  modelLabel: string;
  /** This app's Prometheus metrics (GET /metrics). */
  metrics: Metrics;
  /** What GET /readyz asks: every store answers. */
  readiness: ReadinessCheck[];
  close(): Promise<void>;
}

/** Opens the configured stores (see src/stores/open-stores.ts) unless `given` are passed in. */
export async function createApp(config: Config, logger: Logger, given?: Stores): Promise<App> {
  const opened = given ? undefined : await openStores(config, logger);
  const stores: Stores = given ?? opened!;
  const cache =
    config.stores.llmCache === 'redis' && opened?.redis && config.llm
      ? (await import('./stores/redis/llm-cache.js')).createRedisLlmCache(
          opened.redis,
          `${config.llm.model}@${config.llm.baseUrl ?? 'https://api.openai.com/v1'}`,
        )
      : undefined;
  const metrics = new Metrics({ queueDepth: () => inboxDepth(stores) });
  const llmMetrics = new LlmMetricsHandler(metrics, config.llm?.model ?? 'offline');
  const { model, label, offline } = await createChatModel(config.llm, { ...(cache ? { cache } : {}), callbacks: [llmMetrics] });
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
    metrics,
    maxConcurrentTurns: config.maxConcurrentTurns,
  });
  logger.info({ model: label, dataDir: config.dataDir, stores: opened?.description, llmCache: cache ? 'redis' : 'none' }, 'crosstalk is ready');
  return {
    bot,
    stores,
    commands,
    modelLabel: label,
    metrics,
    readiness: storeReadinessChecks(stores),
    close: async () => {
      await bot.idle();
      await stores.close();
    },
  };
}

/** `crosstalk discord register`: replaces the Discord application's slash commands; returns what was done. */
export async function registerDiscordSlashCommands(config: Config): Promise<string> {
  if (!config.discord) {
    throw new ConfigError(['DISCORD_TOKEN is not set: set DISCORD_TOKEN and DISCORD_APPLICATION_ID to register slash commands.']);
  }
  // The same commands a running app offers: the registry's own, and the digest's.
  const commands = [...new CommandRegistry(config.botName).list(), DIGEST_COMMAND];
  const { registerDiscordCommands } = await import('../adapters/discord/discord-adapter.js');
  return registerDiscordCommands(config.discord, commands, config.botName);
}

/** A platform adapter that is connected and taking events. */
export interface RunningPlatform {
  surface: ChatSurface;
  /** Stops taking new events; resolves once the platform is disconnected. */
  stop(): Promise<void>;
  /** False while the platform's connection is down (GET /readyz); omit when there is none to lose. */
  connected?(): boolean;
}

/** `crosstalk doctor`: one check per configured platform token, against the platform's API. */
export function platformTokenChecks(config: Config): ServiceCheck[] {
  const checks: ServiceCheck[] = [];
  const { slack, discord } = config;
  if (slack) {
    checks.push({ name: 'slack', run: async () => (await import('../adapters/slack/token-check.js')).checkSlackToken(slack) });
  }
  if (discord) {
    checks.push({ name: 'discord', run: async () => (await import('../adapters/discord/token-check.js')).checkDiscordToken(discord) });
  }
  return checks;
}

/**
 * Runs the bot on every configured platform until SIGINT or SIGTERM, or, when none is
 * configured, as a chat on this terminal until its input ends.
 */
export async function runApp(config: Config, logger: Logger): Promise<void> {
  const app = await createApp(config, logger);
  // Serving (not the terminal chat): one HTTP server for Slack events, health and metrics, and
  // the process runs until SIGTERM or SIGINT. Signals are caught from here on, so one that
  // arrives while starting still stops the process gracefully.
  const serving = Boolean(config.slack || config.discord || config.ops.serveHttp);
  const stopSignal = serving ? waitForStopSignal() : undefined;
  const http = serving ? new HttpServer(logger) : undefined;
  const health = new Health().add(...app.readiness);
  if (http) {
    health.mount(http, app.metrics);
    app.metrics.collectProcessMetrics();
    logger.info({ port: await http.listen(config.port) }, 'HTTP server listening');
  }
  const platforms: RunningPlatform[] = [];
  const surfaceFor = (platform: Platform) => platforms.find((running) => running.surface.platform === platform)?.surface;
  // Jobs post through whichever adapter runs their platform in this process, the shell included.
  let shellSurface: ChatSurface | undefined;
  const jobs = await startJobs({
    config,
    stores: app.stores,
    logger,
    surfaceFor: (platform) => (platform === 'shell' ? shellSurface : surfaceFor(platform)),
    onJobRun: (job, outcome) => app.metrics.recordJobRun(job, outcome),
  });
  app.commands.register(jobs.digestCommand);
  app.commands.replace(jobs.kbCommand);
  if (config.discord) {
    const { startDiscord } = await import('../adapters/discord/discord-adapter.js');
    platforms.push(await startDiscord({ ...config.discord, botName: config.botName, bot: app.bot, commands: app.commands.list(), logger }));
  }
  let installations: OpenedInstallations | undefined;
  if (config.slack) {
    if (config.slack.oauth) installations = await openInstallations(config, config.slack.oauth.encryptionKey, logger);
    const { startSlackPlatform } = await import('../adapters/slack/slack-platform.js');
    platforms.push(
      await startSlackPlatform({
        config: config.slack,
        botName: config.botName,
        bot: app.bot,
        commands: app.commands,
        transcripts: app.stores.transcripts,
        logger,
        http: config.slack.appToken ? undefined : http,
        installations: installations?.records,
      }),
    );
  }
  for (const platform of platforms) {
    const connected = platform.connected?.bind(platform);
    if (connected) {
      health.add({
        name: `platform:${platform.surface.platform}`,
        check: async () => {
          if (!connected()) throw new Error(`${platform.surface.platform} is not connected`);
        },
      });
    }
  }
  health.markStarted();

  if (!serving) {
    const shell = new ShellAdapter({
      input: process.stdin,
      output: process.stdout,
      botName: config.botName,
      transcripts: app.stores.transcripts,
    });
    shellSurface = shell;
    await app.bot.resumePending((platform) => (platform === 'shell' ? shell : undefined));
    await shell.run(app.bot);
    await jobs.stop();
    await app.close();
    return;
  }
  await app.bot.resumePending(surfaceFor);
  const signal = await stopSignal;
  logger.info({ signal }, 'stopping: no new events, finishing turns in flight');
  health.markStopping();
  const server = http;
  await shutDown(
    {
      stopIntake: async () => void (await Promise.all(platforms.map((platform) => platform.stop()))),
      finishTurns: () => app.bot.idle(),
      // The jobs' stop drains running jobs (bounded by the scheduler) and closes what they opened.
      stopJobs: () => jobs.stop(),
      close: [
        { name: 'the HTTP server', close: () => server?.close() },
        { name: 'installation records', close: () => installations?.close() },
        // Not app.close(): it waits for turns without a bound.
        { name: 'the stores', close: () => app.stores.close() },
      ],
    },
    config.ops.shutdownTimeoutMs,
    logger,
  );
}
