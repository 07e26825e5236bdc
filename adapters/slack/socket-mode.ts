// Slack over Socket Mode: Bolt's SocketModeReceiver, and what the platform needs of its
// connection: whether it is up (GET /readyz) and a stop that waits until the socket is closed.
import { SocketModeReceiver, type Logger as BoltLogger } from '@slack/bolt';
import { socketModeClientOptions } from './web-api/client-options.js';

export interface SocketModeConnection {
  receiver: SocketModeReceiver;
  /** True from Slack's `hello` until the socket closes (while reconnecting, it is false). */
  connected(): boolean;
  /** Closes the socket; resolves once it is closed. */
  disconnect(): Promise<void>;
}

export function socketModeConnection(appToken: string, apiUrl: string | undefined, logger: BoltLogger): SocketModeConnection {
  const receiver = new SocketModeReceiver({ appToken, logger, installerOptions: { clientOptions: socketModeClientOptions(apiUrl) } });
  let connected = false;
  receiver.client.on('connected', () => (connected = true));
  receiver.client.on('close', () => (connected = false));
  return {
    receiver,
    connected: () => connected,
    // Not app.stop(): the receiver's stop returns before the socket has closed.
    disconnect: () => receiver.client.disconnect(),
  };
}
