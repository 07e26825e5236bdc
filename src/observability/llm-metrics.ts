// Language model latency and token counts, from LangChain's callbacks on the chat model: every
// call (answers, tool rounds, summaries) is measured, whatever graph made it.
import { BaseCallbackHandler } from '@langchain/core/callbacks/base';
import type { AIMessage } from '@langchain/core/messages';
import type { ChatGeneration, LLMResult } from '@langchain/core/outputs';
import type { Metrics } from './metrics.js';

interface TokenUsage {
  promptTokens?: number;
  completionTokens?: number;
}

export class LlmMetricsHandler extends BaseCallbackHandler {
  name = 'crosstalk_llm_metrics';
  private readonly started = new Map<string, number>();

  constructor(
    private readonly metrics: Metrics,
    private readonly model: string,
  ) {
    super();
  }

  override handleChatModelStart(_llm: unknown, _messages: unknown, runId: string): void {
    this.started.set(runId, performance.now());
  }

  override handleLLMStart(_llm: unknown, _prompts: unknown, runId: string): void {
    this.started.set(runId, performance.now());
  }

  override handleLLMEnd(output: LLMResult, runId: string): void {
    this.observe(runId, 'success');
    const { prompt, completion } = tokensOf(output);
    if (prompt > 0) this.metrics.llmTokens.inc({ model: this.model, type: 'prompt' }, prompt);
    if (completion > 0) this.metrics.llmTokens.inc({ model: this.model, type: 'completion' }, completion);
  }

  override handleLLMError(_error: unknown, runId: string): void {
    this.observe(runId, 'error');
  }

  private observe(runId: string, outcome: 'success' | 'error'): void {
    const start = this.started.get(runId);
    if (start === undefined) return;
    this.started.delete(runId);
    this.metrics.llmDuration.observe({ model: this.model, outcome }, (performance.now() - start) / 1000);
  }
}

/** The message's `usage_metadata` (streamed or not), else the provider's `tokenUsage`. */
function tokensOf(output: LLMResult): { prompt: number; completion: number } {
  let prompt = 0;
  let completion = 0;
  for (const generation of output.generations.flat()) {
    const usage = ((generation as ChatGeneration).message as AIMessage | undefined)?.usage_metadata;
    if (usage) {
      prompt += usage.input_tokens ?? 0;
      completion += usage.output_tokens ?? 0;
    }
  }
  if (prompt === 0 && completion === 0) {
    const usage = output.llmOutput?.tokenUsage as TokenUsage | undefined;
    prompt = usage?.promptTokens ?? 0;
    completion = usage?.completionTokens ?? 0;
  }
  return { prompt, completion };
}
