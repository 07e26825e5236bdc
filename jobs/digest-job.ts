// One channel digest: claim the period, read since the watermark, digest, post, then advance
// the watermark. The claim is a lease shorter than Agenda's job lock, so when a scheduler dies
// mid-digest and Agenda hands the job to another one (after the lock expires), the claim has
// expired too and the period is still posted. The claim remembers whether its holder had begun
// posting; whoever takes such a claim over first looks for the post in the channel.
// A crash between post and bookkeeping that no one recovers leaves the watermark where it was:
// the next period's digest reads those messages again rather than losing them.
import { channelKey, type ChannelRef, type ChatMessage, type ChatSurface, type ThreadRef } from '../src/model.js';
import type { Logger } from '../src/logger.js';
import type { DigestMessage } from '../graphs/digest/notes.js';
import { renderDigest } from '../graphs/digest/render.js';
import { JOB_LOCK_MS, replyFromJob, surfaceOf, type JobDeps } from './job-deps.js';
import { describeSchedule, periodKey, periodStart, previousPeriodStart } from './schedule.js';
import type { DigestJobData } from './scheduler.js';

export type { DigestRunner } from './job-deps.js';

/** `thread`: the thread the request came from; `channel`: the channel since its last digest. */
export type OnDemandScope = 'thread' | 'channel';

const ON_DEMAND_WINDOW_MS = 24 * 60 * 60 * 1000;
const THREAD_LIMIT = 5_000;
/** Expires a minute before the job's lock, so the scheduler that inherits the job can take it. */
export const CLAIM_LEASE_MS = JOB_LOCK_MS - 60_000;

export type DigestOutcome = 'posted' | 'quiet' | 'already-posted';

export async function runChannelDigest(deps: JobDeps, data: DigestJobData, now: Date): Promise<DigestOutcome> {
  const { ref: channel, schedule } = data;
  const key = channelKey(channel);
  const period = periodKey(schedule, now);
  const log = deps.log.child({ channel: key, period });
  const surface = surfaceOf(deps, channel.platform);

  const claim = await deps.ledger.claim(key, period, CLAIM_LEASE_MS);
  if (!claim) {
    log.info('digest for this period already posted or under way elsewhere: not posting again');
    return 'already-posted';
  }
  let text: string;
  let messageCount: number;
  let modelCalls: number;
  try {
    const since = (await deps.ledger.watermark(key)) ?? previousPeriodStart(schedule, now);
    const messages = (await surface.readHistory(channel, since)).filter((message) => message.receivedAt < now && isConversation(message));
    if (messages.length === 0) {
      await deps.ledger.release(key, period, claim.token);
      log.info('quiet period: no digest');
      return 'quiet';
    }
    const title = `Digest of #${channel.channelId}, ${period.replace(/^\w+:/, '')} (${describeSchedule(schedule)})`;
    if (claim.mayHavePosted) {
      const shown = await alreadyShown(surface, channel, periodStart(schedule, now), title, log);
      if (shown) {
        await deps.ledger.complete(key, period, now);
        log.warn('a scheduler stopped after posting this digest: found its post, not posting again');
        return 'already-posted';
      }
      if (shown === undefined) return 'already-posted';
      log.warn('a scheduler stopped before its digest post landed: posting it now');
    }
    const digest = await deps.digest.digest(messages.map(toDigestMessage));
    text = renderDigest(digest, { title, offline: deps.digest.offline });
    messageCount = messages.length;
    modelCalls = digest.modelCalls;
  } catch (error) {
    await deps.ledger.release(key, period, claim.token).catch(() => {});
    throw error;
  }

  if (!(await deps.ledger.posting(key, period, claim.token, CLAIM_LEASE_MS))) {
    log.warn('this digest took longer than its claim and another scheduler took it over: not posting');
    return 'already-posted';
  }
  try {
    await surface.postToChannel(channel, text);
  } catch (error) {
    // The platform refused the post: give the period back so a retry may post it.
    await deps.ledger.release(key, period, claim.token);
    throw error;
  }
  await deps.ledger.complete(key, period, now);
  log.info({ messages: messageCount, modelCalls }, 'posted a digest');
  return 'posted';
}

/**
 * Whether the bot's post titled `title` shows in the channel since the period began; undefined
 * (and a warning) when the platform cannot list the bot's posts, so the job skips, not duplicates.
 */
async function alreadyShown(surface: ChatSurface, channel: ChannelRef, since: Date, title: string, log: Logger): Promise<boolean | undefined> {
  if (!surface.readOwnPosts) {
    log.warn('a scheduler stopped while posting this digest and this platform cannot show whether it landed: not posting again');
    return undefined;
  }
  const posts = await surface.readOwnPosts(channel, since);
  return posts.some((post) => post.text.includes(title));
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
