// A signed Slack payload is still only JSON or a form: any field can be missing, null, a number,
// an object, or (a form key sent twice) a list. The adapter reads its fields as strings, so it
// checks them first and drops a payload it cannot read, with a line that names the payload and
// the field.
import type { Logger } from '../../../src/logger.js';

/** Hostile payloads can carry any string as a type; logs keep a readable prefix of it. */
const KIND_CHARS = 60;

/** What a Slack payload is, for a log line: `slash command /ask`, `app_mention event`, `block_actions payload`. */
export function payloadKind(body: unknown): string {
  if (typeof body !== 'object' || body === null) return 'payload that is not an object';
  const { command, event, type } = body as Record<string, unknown>;
  const eventType = typeof event === 'object' && event !== null ? (event as Record<string, unknown>).type : undefined;
  // Bolt routes on these keys in this order.
  if (event !== undefined) return typeof eventType === 'string' ? `${eventType.slice(0, KIND_CHARS)} event` : 'event of no readable type';
  if (command !== undefined) return typeof command === 'string' && command ? `slash command ${command.slice(0, KIND_CHARS)}` : 'slash command';
  if (typeof type === 'string') return `${type.slice(0, KIND_CHARS)} payload`;
  return 'payload of no known type';
}

/** The one line for a signed payload the adapter could not read and so dropped. */
export function warnDropped(log: Logger, body: unknown, problem: string): void {
  const payload = payloadKind(body);
  log.warn({ payload, problem }, `dropped a malformed Slack ${payload}: ${problem}`);
}

/** Why `payload` cannot be read, or undefined: each `required` field is a string, each `optional` one a string or absent. */
export function stringFieldProblem(payload: Record<string, unknown>, required: readonly string[], optional: readonly string[] = []): string | undefined {
  for (const name of required) if (typeof payload[name] !== 'string') return notAString(name, payload[name]);
  // Null reads as absent: nothing downstream tells the two apart.
  for (const name of optional) if (payload[name] != null && typeof payload[name] !== 'string') return notAString(name, payload[name]);
  return undefined;
}

/** `\`ts\` is missing`, `\`channel\` is a number, not a string`. */
export function notAString(name: string, value: unknown): string {
  return `\`${name}\` is ${describe(value)}`;
}

function describe(value: unknown): string {
  if (value === undefined) return 'missing';
  if (value === null) return 'null, not a string';
  if (Array.isArray(value)) return 'a list, not a string';
  const type = typeof value;
  return `${type === 'object' ? 'an' : 'a'} ${type}, not a string`;
}
