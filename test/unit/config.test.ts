import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('configuration', () => {
  it('runs with no variables at all: offline, embedded stores under ./data', () => {
    const config = loadConfig({});
    expect(config.llm).toBeUndefined();
    expect(config.dataDir).toBe(path.resolve('data'));
    expect(config.botName).toBe('crosstalk');
    expect(config.promptTokenBudget).toBe(6_000);
  });

  it('switches to a language model when OPENAI_API_KEY or OPENAI_BASE_URL is set', () => {
    expect(loadConfig({ OPENAI_API_KEY: 'sk-test' }).llm).toMatchObject({ apiKey: 'sk-test', model: 'gpt-4o-mini' });
    expect(loadConfig({ OPENAI_BASE_URL: 'http://localhost:11434/v1', LLM_MODEL: 'llama3.2' }).llm).toMatchObject({
      baseUrl: 'http://localhost:11434/v1',
      model: 'llama3.2',
    });
  });

  it('treats blank values as unset', () => {
    expect(loadConfig({ OPENAI_API_KEY: '  ', DATA_DIR: '' }).llm).toBeUndefined();
  });

  it('names each bad variable and its fix, one line each', () => {
    const problems = problemsOf({
      OPENAI_BASE_URL: 'localhost:11434',
      PROMPT_TOKEN_BUDGET: 'lots',
      LOG_LEVEL: 'loud',
      BOT_NAME: 'two words',
      LLM_TIMEOUT_MS: '5',
    });
    expect(problems).toHaveLength(5);
    expect(problems[0]).toMatch(/^LOG_LEVEL=loud is not a log level: use one of fatal, error/);
    expect(problems.find((line) => line.startsWith('OPENAI_BASE_URL'))).toMatch(/is not an http\(s\) URL: use e\.g\./);
    expect(problems.find((line) => line.startsWith('PROMPT_TOKEN_BUDGET'))).toMatch(/use a whole number from 1000/);
    expect(problems.find((line) => line.startsWith('LLM_TIMEOUT_MS'))).toMatch(/use a whole number from 1000/);
    expect(problems.find((line) => line.startsWith('BOT_NAME'))).toMatch(/use 1 to 40 letters/);
    for (const line of problems) expect(line).not.toContain('\n');
  });
});

describe('Discord shards', () => {
  const discord = { DISCORD_TOKEN: 'token', DISCORD_APPLICATION_ID: '200000000000000001' };
  const shardsOf = (env: Record<string, string>) => loadConfig({ ...discord, ...env }).discord;

  it('runs every shard in this process unless DISCORD_SHARDS names some', () => {
    expect(shardsOf({})).toMatchObject({ shardCount: undefined, shards: undefined });
    expect(shardsOf({ SHARD_COUNT: '4' })).toMatchObject({ shardCount: 4, shards: undefined });
  });

  it('reads DISCORD_SHARDS as ids and ranges, in ascending order', () => {
    expect(shardsOf({ SHARD_COUNT: '4', DISCORD_SHARDS: '3' })?.shards).toEqual([3]);
    expect(shardsOf({ SHARD_COUNT: '4', DISCORD_SHARDS: '0,1' })?.shards).toEqual([0, 1]);
    expect(shardsOf({ SHARD_COUNT: '4', DISCORD_SHARDS: '0-3' })?.shards).toEqual([0, 1, 2, 3]);
    expect(shardsOf({ SHARD_COUNT: '8', DISCORD_SHARDS: ' 6, 0-2 ,4 ' })?.shards).toEqual([0, 1, 2, 4, 6]);
  });

  it('names each bad DISCORD_SHARDS and its fix in one line', () => {
    const problemOf = (env: Record<string, string>) => {
      const problems = problemsOf({ ...discord, ...env });
      expect(problems).toHaveLength(1);
      return problems[0];
    };
    expect(problemOf({ DISCORD_SHARDS: '0' })).toBe(
      'DISCORD_SHARDS=0 needs SHARD_COUNT: set SHARD_COUNT to the total number of shards across every process, or unset DISCORD_SHARDS to run every shard here.',
    );
    expect(problemOf({ SHARD_COUNT: '2', DISCORD_SHARDS: '2' })).toBe(
      'DISCORD_SHARDS=2 names shard 2, but SHARD_COUNT=2 numbers shards 0 to 1: name only those.',
    );
    expect(problemOf({ SHARD_COUNT: '4', DISCORD_SHARDS: '0-99999999999' })).toMatch(/^DISCORD_SHARDS=0-99999999999 names shard 99999999999, but SHARD_COUNT=4/);
    expect(problemOf({ SHARD_COUNT: '4', DISCORD_SHARDS: '0-2,2' })).toBe('DISCORD_SHARDS=0-2,2 names shard 2 twice: name each shard once.');
    expect(problemOf({ SHARD_COUNT: '4', DISCORD_SHARDS: '1,1' })).toBe('DISCORD_SHARDS=1,1 names shard 1 twice: name each shard once.');
    for (const bad of ['one', '3-1', '1,', '-1', '0..3', '1.5']) {
      expect(problemOf({ SHARD_COUNT: '4', DISCORD_SHARDS: bad })).toBe(
        `DISCORD_SHARDS=${bad} is not valid: use shard ids and ranges from low to high, e.g. 3, 0,1 or 0-3, or unset it to run every shard here.`,
      );
    }
  });

  it('reports a bad SHARD_COUNT once, without a second line about DISCORD_SHARDS', () => {
    expect(problemsOf({ ...discord, SHARD_COUNT: 'many', DISCORD_SHARDS: '0' })).toEqual([
      "SHARD_COUNT=many is not valid: use a whole number of shards from 1 to 10000, or unset it for Discord's recommended count.",
    ]);
  });
});
