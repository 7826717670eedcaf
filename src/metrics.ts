import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Prometheus metrics of one process, served at /metrics. A registry per app keeps tests independent. */
export function createMetrics(queueDepth: () => number) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'platewise_' });
  const requests = new Counter({
    name: 'platewise_http_requests_total',
    help: 'HTTP requests by route and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'platewise_http_request_duration_seconds',
    help: 'HTTP request latency by route',
    labelNames: ['method', 'route'] as const,
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  new Gauge({
    name: 'platewise_recognition_queue_depth',
    help: 'Recognitions admitted by this API process and not finished',
    registers: [registry],
    collect() {
      this.set(queueDepth());
    },
  });
  const recognitions = new Counter({
    name: 'platewise_recognitions_total',
    help: 'Recognition calls by outcome',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  const webhookFailures = new Counter({
    name: 'platewise_webhook_failures_total',
    help: 'Webhook delivery attempts that failed; final="true" when no retry remains',
    labelNames: ['final'] as const,
    registers: [registry],
  });
  return { registry, requests, latency, recognitions, webhookFailures };
}

export type Metrics = ReturnType<typeof createMetrics>;
