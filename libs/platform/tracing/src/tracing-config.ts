import { settingsFrom } from '@tally/settings';

export const SAMPLERS = [
  'always_on',
  'always_off',
  'traceidratio',
  'parentbased_always_on',
  'parentbased_always_off',
  'parentbased_traceidratio',
] as const;

export type SamplerName = (typeof SAMPLERS)[number];

/** Where spans go, read from the standard `OTEL_*` variables by `tracingConfigFromEnv`. */
export interface TracingConfig {
  /** `none` (the default): no SDK is loaded and tracing costs nothing. */
  exporter: 'none' | 'otlp' | 'console';
  serviceName: string;
  resourceAttributes: Record<string, string>;
  otlp: {
    /** The full traces URL, e.g. http://localhost:4318/v1/traces. */
    url: string;
    protocol: 'http/protobuf' | 'http/json';
    headers: Record<string, string>;
  };
  sampler: SamplerName;
  /** The ratio of the `traceidratio` samplers, 0..1. */
  samplerRatio: number;
}

export const tracingEnabled = (config: TracingConfig): boolean => config.exporter !== 'none';

/** `key1=value1,key2=value2`, values percent-decoded (the OTel spec's format for headers and attributes). */
const keyValueList = (name: string, value: string | undefined): Record<string, string> => {
  const pairs: Record<string, string> = {};
  for (const item of (value ?? '').split(',')) {
    if (item.trim() === '') continue;
    const at = item.indexOf('=');
    if (at <= 0) throw new Error(`${name} should be a list of key=value pairs separated by commas`);
    try {
      pairs[decodeURIComponent(item.slice(0, at).trim())] = decodeURIComponent(item.slice(at + 1).trim());
    } catch {
      throw new Error(`${name} has a malformed percent-encoding in "${item}"`);
    }
  }
  return pairs;
};

/** OTEL_EXPORTER_OTLP_ENDPOINT is a base URL: the traces path is added to it, as the spec says. */
const tracesUrl = (base: string): string => `${base.replace(/\/+$/, '')}/v1/traces`;

/**
 * The standard OpenTelemetry variables this service honours (docs/configuration.md lists them). Off
 * unless OTEL_TRACES_EXPORTER names an exporter: unlike the spec's default (`otlp`), an unconfigured
 * deployment sends nothing anywhere. A malformed value stops start-up, naming the variable.
 */
export const tracingConfigFromEnv = (env: NodeJS.ProcessEnv, defaultServiceName: string): TracingConfig => {
  const settings = settingsFrom(env);
  const disabled = settings.get('OTEL_SDK_DISABLED').default('false').asBool();
  const exporter = settings
    .get('OTEL_TRACES_EXPORTER')
    .default('none')
    .asEnum(['none', 'otlp', 'console'] as const);
  const protocols = ['http/protobuf', 'http/json'] as const;
  const protocol =
    settings.get('OTEL_EXPORTER_OTLP_TRACES_PROTOCOL').asEnum(protocols) ??
    settings.get('OTEL_EXPORTER_OTLP_PROTOCOL').default('http/protobuf').asEnum(protocols);
  const url =
    settings.get('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT').asUrlWithScheme('http', 'https') ??
    tracesUrl(
      settings
        .get('OTEL_EXPORTER_OTLP_ENDPOINT')
        .default('http://localhost:4318')
        .asUrlWithScheme('http', 'https'),
    );
  const samplerRatio = settings.get('OTEL_TRACES_SAMPLER_ARG').default('1').asFloatPositive();
  if (samplerRatio > 1) throw new Error('OTEL_TRACES_SAMPLER_ARG should be a ratio from 0 to 1');
  const resourceAttributes = keyValueList('OTEL_RESOURCE_ATTRIBUTES', env.OTEL_RESOURCE_ATTRIBUTES);
  return {
    exporter: disabled ? 'none' : exporter,
    // The spec's precedence: OTEL_SERVICE_NAME, then service.name in OTEL_RESOURCE_ATTRIBUTES.
    serviceName:
      settings.get('OTEL_SERVICE_NAME').asString() ??
      resourceAttributes['service.name'] ??
      defaultServiceName,
    resourceAttributes,
    otlp: {
      url,
      protocol,
      headers: {
        ...keyValueList('OTEL_EXPORTER_OTLP_HEADERS', env.OTEL_EXPORTER_OTLP_HEADERS),
        ...keyValueList('OTEL_EXPORTER_OTLP_TRACES_HEADERS', env.OTEL_EXPORTER_OTLP_TRACES_HEADERS),
      },
    },
    sampler: settings
      .get('OTEL_TRACES_SAMPLER')
      .default('parentbased_always_on')
      .asEnum([...SAMPLERS]),
    samplerRatio,
  };
};
