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
