import { loadOpenTelemetry } from '../../lib/observability/otel-api.js';

describe('loading @opentelemetry/api, an optional peer dependency', () => {
  it('resolves to the API when it is installed', async () => {
    const api = await loadOpenTelemetry();
    expect(typeof api?.metrics.getMeter).toBe('function');
    expect(typeof api?.trace.getTracer).toBe('function');
  });

  it('resolves to undefined when it is not installed, so the module runs without telemetry', async () => {
    await expect(loadOpenTelemetry('@opentelemetry/not-installed-anywhere')).resolves.toBeUndefined();
  });

  it('still reports a package that is there but broken', async () => {
    await expect(loadOpenTelemetry('data:text/javascript,throw new Error("broken install")')).rejects.toThrow(
      'broken install',
    );
  });
});
