// One channel digest: read since the watermark, digest, claim the period, post, then advance
// the watermark. The claim comes before the post and is never given back once the post may have
// landed, so a retry (another scheduler, or this job after a crash) cannot post a second copy.
// A crash between post and bookkeeping leaves the watermark where it was: the next period's
// digest reads those messages again rather than losing them.
import { channelKey, type ChatMessage, type ThreadRef } from '../src/model.js';
import type { DigestMessage } from '../graphs/digest/notes.js';
import { renderDigest } from '../graphs/digest/render.js';
import { replyFromJob, surfaceOf, type JobDeps } from './job-deps.js';
import { describeSchedule, periodKey, previousPeriodStart } from './schedule.js';
import type { DigestJobData } from './scheduler.js';

export type { DigestRunner } from './job-deps.js';

/** `thread`: the thread the request came from; `channel`: the channel since its last digest. */
export type OnDemandScope = 'thread' | 'channel';

const ON_DEMAND_WINDOW_MS = 24 * 60 * 60 * 1000;
const THREAD_LIMIT = 5_000;

export type DigestOutcome = 'posted' | 'quiet' | 'already-posted';

export async function runChannelDigest(deps: JobDeps, data: DigestJobData, now: Date): Promise<DigestOutcome> {
  const { ref: channel, schedule } = data;
  const key = channelKey(channel);
  const period = periodKey(schedule, now);
  const log = deps.log.child({ channel: key, period });
  const surface = surfaceOf(deps, channel.platform);

  const since = (await deps.ledger.watermark(key)) ?? previousPeriodStart(schedule, now);
  const messages = (await surface.readHistory(channel, since)).filter((message) => message.receivedAt < now && isConversation(message));
  if (messages.length === 0) {
    log.info('quiet period: no digest');
    return 'quiet';
  }
  const digest = await deps.digest.digest(messages.map(toDigestMessage));
  const text = renderDigest(digest, {
    title: `Digest of #${channel.channelId}, ${period.replace(/^\w+:/, '')} (${describeSchedule(schedule)})`,
    offline: deps.digest.offline,
  });

  if (!(await deps.ledger.claim(key, period))) {
    log.info('digest for this period already claimed: not posting again');
    return 'already-posted';
  }
  try {
    await surface.postToChannel(channel, text);
  } catch (error) {
    // The platform refused the post: give the period back so a retry may post it.
    await deps.ledger.release(key, period);
    throw error;
  }
  await deps.ledger.complete(key, period, now);
  log.info({ messages: messages.length, modelCalls: digest.modelCalls }, 'posted a digest');
  return 'posted';
}

/** `/digest now` and summaries asked for in a thread: answered in that thread, no bookkeeping. */
export async function runOnDemandDigest(deps: JobDeps, thread: ThreadRef, scope: OnDemandScope): Promise<void> {
  const messages =
    scope === 'thread'
      ? (await deps.transcripts.thread(thread, THREAD_LIMIT))
          .filter((entry) => entry.direction === 'inbound' && entry.kind !== 'command')
          .map((entry) => ({ id: entry.id, author: entry.author.name, text: entry.text, at: entry.at }))
      : await channelSinceLastDigest(deps, thread);
  if (messages.length === 0) {
    const what = scope === 'thread' ? 'This thread has no messages to summarize yet.' : `Nothing new in #${thread.channelId} to digest.`;
    return replyFromJob(deps, thread, what);
  }
  const digest = await deps.digest.digest(messages);
  const title = scope === 'thread' ? 'Summary of this thread' : `Digest of #${thread.channelId} so far`;
  await replyFromJob(deps, thread, renderDigest(digest, { title, offline: deps.digest.offline }));
}

async function channelSinceLastDigest(deps: JobDeps, thread: ThreadRef): Promise<DigestMessage[]> {
  const since = (await deps.ledger.watermark(channelKey(thread))) ?? new Date(Date.now() - ON_DEMAND_WINDOW_MS);
  const history = await surfaceOf(deps, thread.platform).readHistory(thread, since);
  return history.filter(isConversation).map(toDigestMessage);
}

/** People talking: not the bot's own posts, not slash commands. */
function isConversation(message: ChatMessage): boolean {
  return !message.author.isBot && message.kind !== 'command' && message.text.trim() !== '';
}

function toDigestMessage(message: ChatMessage): DigestMessage {
  return { id: message.id, author: message.author.name, text: message.text, at: message.receivedAt };
}
