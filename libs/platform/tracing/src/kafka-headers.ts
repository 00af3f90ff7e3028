import type { TextMapGetter, TextMapSetter } from '@opentelemetry/api';

/** Kafka message headers as kafkajs sends (strings) and receives (Buffers) them. */
export type KafkaHeaders = Record<string, Buffer | string | (Buffer | string)[] | undefined>;

/** Reads W3C `traceparent`/`tracestate` from a consumed message's headers. */
export const kafkaHeaderGetter: TextMapGetter<KafkaHeaders> = {
  keys: (headers) => Object.keys(headers),
  get: (headers, key) => {
    const value = headers[key];
    if (value === undefined) return undefined;
    const first = Array.isArray(value) ? value[0] : value;
    return first === undefined ? undefined : first.toString();
  },
};

/** Writes W3C `traceparent`/`tracestate` into the headers of a message about to be produced. */
export const kafkaHeaderSetter: TextMapSetter<KafkaHeaders> = {
  set: (headers, key, value) => {
    headers[key] = value;
  },
};
