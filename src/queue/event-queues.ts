import { Queue } from "bullmq";
import type { Logger } from "../observability/logger.js";
import { QueueName, eventJobOptions, queuePrefix, type OrderEventJob, type QueueConnections } from "./queues.js";

/** Producers for every event queue, as the outbox relay needs them. */
export function openEventQueues(
  connections: QueueConnections,
  redisPrefix: string,
  retryBaseMs: number,
  log: Logger,
): Array<Queue<OrderEventJob>> {
  return Object.values(QueueName).map((name) => {
    const queue = new Queue<OrderEventJob>(name, {
      connection: connections.producer(),
      prefix: queuePrefix(redisPrefix),
      defaultJobOptions: eventJobOptions(retryBaseMs),
    });
    // Connection errors surface here while Redis is down; the relay's sweep retries, so a log line is enough.
    queue.on("error", (error) => log.debug({ queue: name, err: { message: error.message } }, "queue connection error"));
    return queue;
  });
}
