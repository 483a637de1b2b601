import type { Connection } from '../../connection/types.js';
import type { Observable } from '../../rx.js';

/**
 * Opens a dedicated, handshaken (never authenticated) connection to a server for monitoring or
 * RTT measurement (server-monitoring "Monitors SHOULD NOT use the client's regular connection
 * pool"). `connection.hello` is the handshake reply. Injectable so marble tests use fakes.
 */
export type MonitorConnector = (address: string, purpose: 'monitor' | 'rtt') => Observable<Connection>;

/** serverMonitoringMode URI option (server-monitoring "serverMonitoringMode"). */
export type ServerMonitoringMode = 'auto' | 'stream' | 'poll';

/** Spec constant: at most one check every 500 ms (server-monitoring "minHeartbeatFrequencyMS"). */
export const MIN_HEARTBEAT_FREQUENCY_MS = 500;

/** Streaming is off for `poll`, and for `auto` on FaaS platforms (server-monitoring "Streaming disabled"). */
export function streamingEnabled(mode: ServerMonitoringMode, env: NodeJS.ProcessEnv = process.env): boolean {
  if (mode === 'stream') return true;
  if (mode === 'poll') return false;
  return !isFaas(env);
}

/** FaaS detection as the handshake spec names the variables. */
function isFaas(env: NodeJS.ProcessEnv): boolean {
  const lambda = env.AWS_EXECUTION_ENV?.startsWith('AWS_Lambda_') || env.AWS_LAMBDA_RUNTIME_API !== undefined;
  return Boolean(lambda || env.FUNCTIONS_WORKER_RUNTIME || env.K_SERVICE || env.FUNCTION_NAME || env.VERCEL);
}
