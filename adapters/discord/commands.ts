// Slash command definitions built from the shared command registry, and their registration:
// `/ask <question>` becomes /ask with a `question` option, `/kb add <text>` a subcommand, and
// `/<botName> <command>` holds every command as a subcommand (or group).
import { ApplicationCommandOptionType, REST, Routes, type APIApplicationCommandOption, type CommandInteractionOption, type RESTPostAPIChatInputApplicationCommandsJSONBody } from 'discord.js';
import type { CommandSpec } from '../../src/commands/command.js';
import { COMMAND_DESCRIPTION_MAX_CHARS, COMMAND_NAME_MAX_CHARS } from './limits.js';

type Definition = RESTPostAPIChatInputApplicationCommandsJSONBody;
type Option = APIApplicationCommandOption;

interface UsageLine {
  /** Literal words before the first placeholder: the subcommand path. */
  path: string[];
  options: { name: string; required: boolean }[];
}

const describe = (text: string) => text.slice(0, COMMAND_DESCRIPTION_MAX_CHARS) || 'run the command';
const optionName = (text: string) =>
  text.toLowerCase().replace(/[^\p{L}\p{N}_-]+/gu, '_').slice(0, COMMAND_NAME_MAX_CHARS) || 'text';

function parseUsage(line: string): UsageLine {
  const path: string[] = [];
  const options: UsageLine['options'] = [];
  for (const word of line.split(/\s+/).filter(Boolean)) {
    const placeholder = /^([<[])(.+?)[>\]]$/.exec(word);
    if (placeholder) options.push({ name: optionName(placeholder[2]!), required: placeholder[1] === '<' });
    else if (options.length === 0) path.push(optionName(word));
  }
  return { path, options };
}

function stringOptions(usage: UsageLine, summary: string): Option[] {
  return usage.options.map((option) => ({
    type: ApplicationCommandOptionType.String,
    name: option.name,
    description: describe(option.required ? `${option.name}: ${summary}` : `${option.name} (optional)`),
    required: option.required,
  }));
}

/** The options of one command: its subcommands when its usage has literal words, else its arguments. */
function commandOptions(command: CommandSpec): Option[] {
  const lines = command.usage.map(parseUsage);
  if (!lines.some((line) => line.path.length > 0)) return lines[0] ? stringOptions(lines[0], command.summary) : [];
  return lines.map((line) => ({
    type: ApplicationCommandOptionType.Subcommand,
    name: line.path.join('-') || 'run',
    description: describe(`${command.name} ${line.path.join(' ')}: ${command.summary}`),
    options: stringOptions(line, command.summary) as never,
  }));
}

export function buildCommandDefinitions(commands: readonly CommandSpec[], botName: string): Definition[] {
  const rootName = optionName(botName);
  const own = commands
    .filter((command) => command.name !== rootName)
    .map((command) => ({ name: optionName(command.name), description: describe(command.summary), options: commandOptions(command) }));
  const root: Definition = {
    name: rootName,
    description: describe(`${botName}: ${commands.map((command) => command.name).join(', ')}`),
    options: own.map((command) => {
      const nested = command.options.some((option) => option.type === ApplicationCommandOptionType.Subcommand);
      return nested
        ? { type: ApplicationCommandOptionType.SubcommandGroup, name: command.name, description: command.description, options: command.options as never }
        : { type: ApplicationCommandOptionType.Subcommand, name: command.name, description: command.description, options: command.options as never };
    }),
  };
  return [...own, root];
}

/** The words after the command name, as the registry takes them: `kb add some text`. */
export function commandArgs(options: readonly CommandInteractionOption[]): string {
  return options
    .flatMap((option): string[] => {
      if (option.type === ApplicationCommandOptionType.Subcommand || option.type === ApplicationCommandOptionType.SubcommandGroup) {
        return [option.name, commandArgs(option.options ?? [])];
      }
      return option.value === undefined ? [] : [String(option.value)];
    })
    .filter(Boolean)
    .join(' ');
}

export interface RegistrationTarget {
  token: string;
  applicationId: string;
  guildId: string | undefined;
  apiUrl: string | undefined;
}

/** Replaces the application's commands: in one guild (instant) when given, else globally. */
export async function registerCommands(target: RegistrationTarget, definitions: Definition[], rest?: REST): Promise<string> {
  const client = rest ?? new REST(target.apiUrl ? { api: target.apiUrl } : {}).setToken(target.token);
  const route = target.guildId
    ? Routes.applicationGuildCommands(target.applicationId, target.guildId)
    : Routes.applicationCommands(target.applicationId);
  await client.put(route, { body: definitions });
  const names = definitions.map((definition) => `/${definition.name}`).join(', ');
  return target.guildId
    ? `Registered ${names} in guild ${target.guildId} (available now).`
    : `Registered ${names} globally (Discord may take up to an hour to show them everywhere).`;
}
