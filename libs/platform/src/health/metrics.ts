import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The process's Prometheus registry and the metrics the write side records. */
export const registry = new Registry();
collectDefaultMetrics({ register: registry, prefix: 'tessera_' });

export const eventsAppended = new Counter({
  name: 'tessera_events_appended_total',
  help: 'Events accepted by the event store, by result (stored or duplicate)',
  labelNames: ['result'] as const,
  registers: [registry],
});

export const eventsRejected = new Counter({
  name: 'tessera_events_rejected_total',
  help: 'Events refused before storage, by reason (validation, conflict)',
  labelNames: ['reason'] as const,
  registers: [registry],
});

export const apiKeyLookups = new Counter({
  name: 'tessera_api_key_lookups_total',
  help: 'API keys looked up in the database (keys not in the in-memory cache)',
  registers: [registry],
});

export const appendSeconds = new Histogram({
  name: 'tessera_event_store_append_seconds',
  help: 'Time of one event store append call (one HTTP request)',
  labelNames: ['store'] as const,
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
  registers: [registry],
});

/** Labelled by route pattern (`/v1/customers/:id`), never the raw URL, so the series stay few. */
const HTTP_LABELS = ['method', 'route', 'status'] as const;

export const httpRequests = new Counter({
  name: 'tessera_http_requests_total',
  help: 'HTTP requests answered, by method, route pattern (unmatched: no route) and status',
  labelNames: HTTP_LABELS,
  registers: [registry],
});

export const httpRequestSeconds = new Histogram({
  name: 'tessera_http_request_duration_seconds',
  help: 'Time from the request arriving to its answer being sent, by method, route pattern and status',
  labelNames: HTTP_LABELS,
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [registry],
});
