import { tracingConfigFromEnv, tracingEnabled } from './tracing-config';

describe('tracingConfigFromEnv', () => {
  it('is off by default, and when the SDK is disabled', () => {
    expect(tracingEnabled(tracingConfigFromEnv({}, 'svc'))).toBe(false);
    expect(
      tracingEnabled(
        tracingConfigFromEnv({ OTEL_TRACES_EXPORTER: 'otlp', OTEL_SDK_DISABLED: 'true' }, 'svc'),
      ),
    ).toBe(false);
  });

  it('reads the standard OTLP variables', () => {
    const config = tracingConfigFromEnv(
      {
        OTEL_TRACES_EXPORTER: 'otlp',
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/',
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_EXPORTER_OTLP_HEADERS: 'api-key=s%3Dcret,x-tenant=a',
        OTEL_EXPORTER_OTLP_TRACES_HEADERS: 'x-tenant=b',
        OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=prod',
        OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
        OTEL_TRACES_SAMPLER_ARG: '0.25',
      },
      'svc',
    );
    expect(config).toEqual({
      exporter: 'otlp',
      serviceName: 'svc',
      resourceAttributes: { 'deployment.environment.name': 'prod' },
      otlp: {
        url: 'http://collector:4318/v1/traces',
        protocol: 'http/json',
        headers: { 'api-key': 's=cret', 'x-tenant': 'b' },
      },
      sampler: 'parentbased_traceidratio',
      samplerRatio: 0.25,
    });
  });

  it('takes a traces endpoint and protocol as given, and the service name by the spec’s precedence', () => {
    const config = tracingConfigFromEnv(
      {
        OTEL_TRACES_EXPORTER: 'otlp',
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://ignored:4318',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://collector/custom/path',
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/protobuf',
        OTEL_RESOURCE_ATTRIBUTES: 'service.name=from-attributes',
      },
      'svc',
    );
    expect(config.otlp).toMatchObject({ url: 'https://collector/custom/path', protocol: 'http/protobuf' });
    expect(config.serviceName).toBe('from-attributes');
    expect(
      tracingConfigFromEnv({ OTEL_SERVICE_NAME: 'named', OTEL_RESOURCE_ATTRIBUTES: 'service.name=x' }, 'svc')
        .serviceName,
    ).toBe('named');
  });

  it.each([
    ['OTEL_TRACES_EXPORTER', 'jaeger'],
    ['OTEL_EXPORTER_OTLP_PROTOCOL', 'grpc'],
    ['OTEL_EXPORTER_OTLP_ENDPOINT', 'collector:4318'],
    ['OTEL_TRACES_SAMPLER', 'sometimes'],
    ['OTEL_TRACES_SAMPLER_ARG', '2'],
    ['OTEL_SDK_DISABLED', 'yes'],
    ['OTEL_RESOURCE_ATTRIBUTES', 'no-equals-sign'],
    ['OTEL_EXPORTER_OTLP_HEADERS', 'k=%E0%A4%A'],
  ])('stops start-up on a malformed %s (%s), naming it', (name, value) => {
    expect(() => tracingConfigFromEnv({ [name]: value }, 'svc')).toThrow(name);
  });
});
