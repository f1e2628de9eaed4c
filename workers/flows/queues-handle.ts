/**
 * The producer side of a deployment: one Queue per stage and a FlowProducer on one producer
 * connection (commands fail after a few reconnects instead of hanging a CLI run).
 */
import { FlowProducer, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { createProducerConnection, type RedisConnectionOptions } from '../redis/connection.js';
import type { QueueKind } from '../jobs/job-data.js';
import { QUEUE_KINDS } from '../queues.js';

/** Queues and flow producer of a deployment. */
export interface Producers {
  prefix: string;
  connection: Redis;
  queues: Record<QueueKind, Queue>;
  flows: FlowProducer;
  close(): Promise<void>;
}

/** Open producers under `prefix`. */
export function openProducers(prefix: string, redis: RedisConnectionOptions = {}): Producers {
  const connection = createProducerConnection(redis);
  const queues = Object.fromEntries(QUEUE_KINDS.map((k) => [k, new Queue(k, { connection, prefix })])) as Record<QueueKind, Queue>;
  const flows = new FlowProducer({ connection, prefix });
  return {
    prefix, connection, queues, flows,
    async close() {
      await Promise.all([...Object.values(queues).map((q) => q.close()), flows.close()]);
      connection.disconnect();
    },
  };
}
