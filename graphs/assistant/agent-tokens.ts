// The agent's answer tokens, as the model produces them, for one turn. The handler rides in the
// turn's `configurable` and is attached to the agent's model call alone, so the graph's other
// steps run with no callbacks at all (LangChain's per-step callback runs cost CPU on every turn).
//
// LangGraph's `messages` stream mode would do the same, but keeps finished runs alive when
// several stream at once (about 55 KB a turn, measured with 100 concurrent turns on 1.7.3), so a
// busy bot's memory grew without bound. A callback handler of the turn's own does not.
import { BaseCallbackHandler } from '@langchain/core/callbacks/base';
import type { LangGraphRunnableConfig } from '@langchain/langgraph';

const CONFIG_KEY = 'agentTokens';

export class AgentTokens extends BaseCallbackHandler {
  name = 'crosstalk_agent_tokens';
  /** Asks chat models to stream even when the graph is not run in `messages` mode. */
  lc_prefer_streaming = true;
  /** Tokens arrive in order, before the node that produced them ends. */
  override awaitHandlers = true;

  constructor(private readonly onToken: (text: string) => void) {
    super();
  }

  override handleLLMNewToken(token: string): void {
    if (token) this.onToken(token);
  }

  /** The `configurable` entry that hands this handler to the agent node. */
  configurable(): Record<string, AgentTokens> {
    return { [CONFIG_KEY]: this };
  }
}

/** The turn's token handler, when the turn streams its answer. */
export function agentTokensOf(config: LangGraphRunnableConfig): AgentTokens | undefined {
  const tokens: unknown = config.configurable?.[CONFIG_KEY];
  return tokens instanceof AgentTokens ? tokens : undefined;
}
