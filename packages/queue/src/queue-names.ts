/** The coordinator's queue: step, wave, finalize and deadline jobs of every task. */
export const COORDINATOR_QUEUE = 'coordinator';

/** Webhook deliveries of finished tasks (served by the coordinator processes). */
export const WEBHOOKS_QUEUE = 'webhooks';

const AGENT_QUEUE_PREFIX = 'agent-';

/** One queue per agent type: a worker pool serves a type by consuming its queue. */
export function agentQueueName(agentType: string): string {
  return `${AGENT_QUEUE_PREFIX}${agentType}`;
}
