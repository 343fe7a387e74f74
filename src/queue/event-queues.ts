import { Queue } from "bullmq";
import { QueueName, eventJobOptions, producerConnection, queuePrefix, type OrderEventJob } from "./queues.js";

/** Producers for every event queue, as the outbox relay needs them. */
export function openEventQueues(redisUrl: string, redisPrefix: string): Array<Queue<OrderEventJob>> {
  return Object.values(QueueName).map(
    (name) =>
      new Queue<OrderEventJob>(name, {
        connection: producerConnection(redisUrl),
        prefix: queuePrefix(redisPrefix),
        defaultJobOptions: eventJobOptions,
      }),
  );
}
