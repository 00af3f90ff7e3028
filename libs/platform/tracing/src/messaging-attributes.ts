/**
 * OpenTelemetry semantic conventions for messaging over Kafka. They are still "incubating", and the
 * semantic-conventions package advises copying incubating names rather than importing them (its
 * incubating entry point may change in a minor release).
 */
export const MessagingAttributes = {
  system: 'messaging.system',
  destinationName: 'messaging.destination.name',
  partitionId: 'messaging.destination.partition.id',
  offset: 'messaging.kafka.offset',
  messageKey: 'messaging.kafka.message.key',
  messageId: 'messaging.message.id',
  operationType: 'messaging.operation.type',
  operationName: 'messaging.operation.name',
  consumerGroup: 'messaging.consumer.group.name',
  batchMessageCount: 'messaging.batch.message_count',
} as const;

export const KAFKA = 'kafka';
