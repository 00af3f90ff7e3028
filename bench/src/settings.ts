export interface BenchSettings {
  kafkaBrokers: string;
  /** Shorter runs for a smoke check of the suite itself (BENCH_QUICK=1); not for reported figures. */
  quick: boolean;
}

export const settingsFromEnv = (env = process.env): BenchSettings => ({
  kafkaBrokers: env.KAFKA_BROKERS ?? '127.0.0.1:9092',
  quick: env.BENCH_QUICK === '1',
});
