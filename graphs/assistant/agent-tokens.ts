// The agent node's answer tokens, as the model produces them, for one turn.
//
// LangGraph's `messages` stream mode does the same, but keeps finished runs alive when several
// stream at once (about 55 KB a turn, measured with 100 concurrent turns on 1.7.3), so a busy
// bot's memory grew without bound. A callback handler of the turn's own does not.
import { BaseCallbackHandler } from '@langchain/core/callbacks/base';

export class AgentTokens extends BaseCallbackHandler {
  name = 'crosstalk_agent_tokens';
  /** Asks chat models to stream even when the graph is not run in `messages` mode. */
  lc_prefer_streaming = true;
  /** Tokens arrive in order, before the node that produced them ends. */
  override awaitHandlers = true;
  private readonly agentRuns = new Set<string>();

  constructor(
    private readonly node: string,
    private readonly onToken: (text: string) => void,
  ) {
    super();
  }

  override handleChatModelStart(
    _llm: unknown,
    _messages: unknown,
    runId: string,
    _parentRunId?: string,
    _extraParams?: unknown,
    _tags?: string[],
    metadata?: Record<string, unknown>,
  ): void {
    if (metadata?.langgraph_node === this.node) this.agentRuns.add(runId);
  }

  override handleLLMNewToken(token: string, _index: unknown, runId: string): void {
    if (token && this.agentRuns.has(runId)) this.onToken(token);
  }

  override handleLLMEnd(_output: unknown, runId: string): void {
    this.agentRuns.delete(runId);
  }

  override handleLLMError(_error: unknown, runId: string): void {
    this.agentRuns.delete(runId);
  }
}
