// `/digest …` from chat, on every adapter: subscribe the channel, turn it off, digest now, status.
import type { Command, CommandSpec } from '../src/commands/command.js';
import type { ChannelRef } from '../src/model.js';
import { describeSchedule, parseSchedule } from './schedule.js';
import type { Scheduler } from './scheduler.js';

const USAGE =
  'Usage: /digest daily HH:MM [time zone] | /digest weekly <mon…sun> HH:MM [time zone] | /digest off | /digest now | /digest status (e.g. /digest daily 09:00 Europe/Berlin)';

export const DIGEST_COMMAND: CommandSpec = {
  name: 'digest',
  usage: ['daily HH:MM [time zone]', 'weekly <day> HH:MM [time zone]', 'off', 'now', 'status'],
  summary: 'a scheduled digest of this channel (topics, decisions, open questions, action items)',
};

export function createDigestCommand(scheduler: Scheduler): Command {
  return {
    ...DIGEST_COMMAND,
    async run({ args, message, reply }) {
      const channel: ChannelRef = message.thread;
      const sub = args.split(/\s+/)[0]?.toLowerCase() ?? '';
      const name = `#${channel.channelId}`;

      if (sub === 'daily' || sub === 'weekly') {
        const parsed = parseSchedule(args);
        if (!parsed.ok) return reply(`${USAGE}. Not understood: ${parsed.problem}.`);
        const next = await scheduler.subscribe(channel, parsed.schedule);
        return reply(
          `Digest for ${name}: ${describeSchedule(parsed.schedule)}.${next ? ` Next one: ${formatIn(next, parsed.schedule.timeZone)}.` : ''}`,
        );
      }
      if (sub === 'off' && args.trim().toLowerCase() === 'off') {
        return reply((await scheduler.unsubscribe(channel)) ? `Digest for ${name} is off.` : `${name} has no digest to turn off.`);
      }
      if (sub === 'now' && args.trim().toLowerCase() === 'now') {
        // In a thread, summarize the thread; at the top of a channel, the channel since its last digest.
        const inThread = message.thread.threadId !== message.id;
        await reply(inThread ? 'Summarizing this thread; it follows here.' : `Digesting ${name} since its last digest; it follows here.`);
        return scheduler.requestDigest(message.thread, inThread ? 'thread' : 'channel');
      }
      if (sub === 'status' && args.trim().toLowerCase() === 'status') {
        const subscription = await scheduler.subscription(channel);
        const last = await scheduler.lastDigest(channel);
        const lastLine = last ? ` Last digest: ${formatIn(last.at, subscription?.schedule.timeZone ?? 'UTC')}.` : '';
        if (!subscription) return reply(`${name} has no digest. Start one with /digest daily 09:00 [time zone].${lastLine}`);
        const next = subscription.nextRunAt ? ` Next one: ${formatIn(subscription.nextRunAt, subscription.schedule.timeZone)}.` : '';
        return reply(`Digest for ${name}: ${describeSchedule(subscription.schedule)}.${next}${lastLine}`);
      }
      return reply(USAGE);
    },
  };
}

function formatIn(instant: Date, timeZone: string): string {
  const text = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).format(instant);
  return `${text} ${timeZone}`;
}
