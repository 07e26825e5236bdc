// Log lines as an operator reads them: no secrets or message text by default, the turn id on
// every line written during a turn, and readable lines on a terminal.
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { prettyDestination } from '../../src/observability/pretty-log.js';
import { runInTurn } from '../../src/observability/turn-context.js';

function capture(options: Parameters<typeof createLogger>[1] = {}) {
  const raw: string[] = [];
  const logger = createLogger('debug', { format: 'json', destination: { write: (line: string) => void raw.push(line) }, ...options });
  return { logger, raw, lines: () => raw.map((line) => JSON.parse(line) as Record<string, unknown>) };
}

describe('the logger', () => {
  it('redacts tokens, secrets, signatures, authorization headers and message text', () => {
    const { logger, raw } = capture();
    logger.info(
      {
        text: 'my salary is 100k',
        message: { id: 'm1', text: 'nested words' },
        config: { botToken: 'xoxb-111-222-abc', signingSecret: 'shh', apiKey: 'sk-abc' },
        headers: { authorization: 'Bearer abc.def', 'x-slack-signature': 'v0=abc' },
        err: { config: { headers: { Authorization: 'Bearer xoxb-1' }, data: 'token=xoxb-1&text=hello' } },
      },
      'received',
    );
    const line = raw.join('');
    for (const secret of ['100k', 'nested words', 'xoxb-', 'shh', 'sk-abc', 'abc.def', 'v0=abc', 'text=hello']) expect(line).not.toContain(secret);
    expect(JSON.parse(line).message.id).toBe('m1');
  });

  it('scrubs tokens quoted inside messages', () => {
    const { logger, raw } = capture();
    logger.warn(`request failed: Authorization: Bot MTk4NjIyNDgzNDcxOTI1MjQ4.Cl2FMQ.ZnCjm1XVW7vRze4b7Cq4se7kKWs with xapp-1-A111-2222-abcdef`);
    expect(raw.join('')).not.toMatch(/MTk4NjIy|xapp-1-A111/u);
    expect(raw.join('')).toContain('[redacted]');
  });

  it('puts the turn id on every line written inside a turn, from any child logger', async () => {
    const { logger, lines } = capture();
    const adapter = logger.child({ platform: 'slack' });
    await runInTurn({ turnId: 'abc123def456', thread: 'slack:T:C:1' }, async () => {
      logger.info('turn started');
      await new Promise((resolve) => setTimeout(resolve, 1));
      adapter.debug('posted a reply');
    });
    logger.info('outside');
    expect(lines().map((line) => line.turn)).toEqual(['abc123def456', 'abc123def456', undefined]);
  });

  it('hands error lines with an err to the failure reporter, with text redacted', () => {
    const reported: unknown[] = [];
    const { logger } = capture({ onFailure: (failure) => reported.push(failure) });
    logger.child({ component: 'bot', thread: 'discord:G:C:1' }).error({ err: new Error('boom'), text: 'private' }, 'turn failed');
    logger.warn({ err: new Error('minor') }, 'only a warning');
    expect(reported).toEqual([
      expect.objectContaining({ msg: 'turn failed', fields: expect.objectContaining({ component: 'bot', thread: 'discord:G:C:1', text: '[redacted]' }) }),
    ]);
  });

  it('prints readable lines for a terminal', () => {
    const out: string[] = [];
    const logger = createLogger('info', { destination: prettyDestination((text) => out.push(text), false) });
    logger.child({ platform: 'discord' }).warn({ shardId: 0 }, 'gateway session resumed');
    expect(out.join('')).toMatch(/^\d\d:\d\d:\d\d\.\d{3} WARN {2}gateway session resumed {2}platform=discord shardId=0\n$/u);
  });
});
