import { SCOPES, Scope } from '../auth/scopes';
import { DerivationRules, parseRules } from './derivation-rules';
import { durationMs } from './duration';

/**
 * Configuration from the environment, validated once at start. Every problem is reported at
 * once, by variable name, so an operator fixes them in one go.
 */
export const ROLES = ['ingest', 'query', 'projector', 'relay', 'scheduler'] as const;
export type Role = (typeof ROLES)[number];

export type EventStoreKind = 'postgres' | 'eventstoredb';

export type TesseraConfig = {
  port: number;
  host: string;
  roles: ReadonlySet<Role>;
  /** Undefined: start the embedded PostgreSQL in `dataDir`. */
  databaseUrl: string | undefined;
  dataDir: string;
  eventStore: EventStoreKind;
  eventStoreDbUrl: string | undefined;
  /** EventStoreDB limits (docs/eventstoredb.md): bytes one append may carry, and how long any call may wait. */
  eventStoreDb: { maxAppendBytes: number; deadlineMs: number };
  kafkaBrokers: string[];
  adminKey: string | undefined;
  currency: string;
  timezone: string;
  /** Max events per batch request. */
  batchMaxEvents: number;
  bodyLimitBytes: { single: number; batch: number };
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  /** Thresholds of the derived facts (DESIGN §4), from `TESSERA_RULES`. */
  rules: DerivationRules;
  /** How often the scheduler re-evaluates stages and tiers that time alone moves. */
  schedulerIntervalMs: number;
  /** Kafka topic names start with this (`TESSERA_TOPIC_PREFIX`, default `tessera.`). */
  topicPrefix: string;
  /** Partitions of the topics Tessera creates when they are missing. */
  topicPartitions: number;
  /** Only changes whose `at` is this recent are published (`TESSERA_PUBLISH_WINDOW`, ISO-8601, default PT24H). */
  publishWindowMs: number;
  /** `/health` warns when this many outbox messages wait (`TESSERA_OUTBOX_WARN_DEPTH`). */
  outboxWarnDepth: number;
  /** Requests per window and API key, per route scope; requests without a valid key per client IP. */
  rateLimits: RateLimits;
};

/** The scopes a route can require (`pii:read` only widens what `profiles:read` shows). */
export type RouteScope = Exclude<Scope, 'pii:read'>;
export type RateLimits = { windowSeconds: number; perKey: Record<RouteScope, number>; unauthenticatedPerIp: number };

/**
 * Per minute by default, and generous: the benchmarks (tens of thousands of events/s in batches,
 * 500–1,000 single events/s, profiles polled every 20 ms) stay well below 5,000 requests/s.
 */
const RATE_LIMIT_DEFAULTS: Record<RouteScope, number> = {
  'events:write': 300_000,
  'profiles:read': 300_000,
  'analytics:read': 60_000,
  'segments:write': 6_000,
  admin: 120_000,
};

/** `events:write` → `TESSERA_RATE_LIMIT_EVENTS_WRITE`. */
export function rateLimitVariable(scope: RouteScope): string {
  return `TESSERA_RATE_LIMIT_${scope.replace(':', '_').toUpperCase()}`;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

export function loadConfig(env: Env = process.env): TesseraConfig {
  const problems: string[] = [];
  const text = (name: string): string | undefined => {
    const value = env[name]?.trim();
    return value === undefined || value === '' ? undefined : value;
  };
  const oneOf = <T extends string>(name: string, allowed: readonly T[], fallback: T): T => {
    const value = text(name) ?? fallback;
    if ((allowed as readonly string[]).includes(value)) return value as T;
    problems.push(`${name}=${value} is not one of ${allowed.join(', ')}`);
    return fallback;
  };
  const integer = (name: string, fallback: number, min: number, max: number): number => {
    const value = text(name);
    if (value === undefined) return fallback;
    const parsed = Number(value);
    if (Number.isInteger(parsed) && parsed >= min && parsed <= max) return parsed;
    problems.push(`${name}=${value} must be an integer from ${min} to ${max}`);
    return fallback;
  };

  const roles = parseRoles(text('TESSERA_ROLES'), problems);
  const eventStore = oneOf<EventStoreKind>('EVENT_STORE', ['postgres', 'eventstoredb'], 'postgres');
  const eventStoreDbUrl = text('EVENTSTOREDB_URL');
  if (eventStore === 'eventstoredb' && !eventStoreDbUrl) {
    problems.push('EVENT_STORE=eventstoredb needs EVENTSTOREDB_URL (e.g. esdb://localhost:2113?tls=false)');
  }
  if (eventStoreDbUrl) problems.push(...eventStoreDbUrlProblems(eventStoreDbUrl));
  const databaseUrl = text('DATABASE_URL');
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    problems.push('DATABASE_URL must be a postgres:// or postgresql:// URL');
  }
  const currency = text('TESSERA_CURRENCY') ?? 'CNY';
  if (!/^[A-Z]{3}$/.test(currency)) problems.push(`TESSERA_CURRENCY=${currency} must be an ISO-4217 code such as CNY`);
  const timezone = text('TESSERA_TIMEZONE') ?? 'Asia/Shanghai';
  if (!isTimeZone(timezone)) problems.push(`TESSERA_TIMEZONE=${timezone} is not an IANA time zone`);
  const adminKey = text('TESSERA_ADMIN_KEY');
  if (adminKey !== undefined && adminKey.length < 16) problems.push('TESSERA_ADMIN_KEY must be at least 16 characters');

  const topicPrefix = text('TESSERA_TOPIC_PREFIX') ?? 'tessera.';
  if (!/^[A-Za-z0-9._-]{0,100}$/.test(topicPrefix)) problems.push(`TESSERA_TOPIC_PREFIX=${topicPrefix} may use only letters, digits, '.', '_' and '-'`);
  const publishWindow = text('TESSERA_PUBLISH_WINDOW') ?? 'PT24H';
  const publishWindowMs = durationMs(publishWindow);
  if (publishWindowMs === undefined) problems.push(`TESSERA_PUBLISH_WINDOW=${publishWindow} must be an ISO-8601 duration such as PT24H or P2D`);

  const rules = parseRules(text('TESSERA_RULES'));
  problems.push(...rules.problems);

  const config: TesseraConfig = {
    port: integer('PORT', 3000, 0, 65535),
    // The embedded default is a developer's laptop printing an admin key: loopback only, unless asked.
    host: text('HOST') ?? (databaseUrl === undefined ? '127.0.0.1' : '0.0.0.0'),
    roles,
    databaseUrl,
    dataDir: text('TESSERA_DATA_DIR') ?? './.tessera',
    eventStore,
    eventStoreDbUrl,
    eventStoreDb: {
      maxAppendBytes: integer('TESSERA_ESDB_MAX_APPEND_BYTES', 1_000_000, 1_024, 64 * 1024 * 1024),
      deadlineMs: integer('TESSERA_ESDB_DEADLINE_MS', 10_000, 100, 600_000),
    },
    kafkaBrokers: (text('KAFKA_BROKERS') ?? '').split(',').map((b) => b.trim()).filter(Boolean),
    adminKey,
    currency,
    timezone,
    batchMaxEvents: 1000,
    bodyLimitBytes: { single: 1024 * 1024, batch: 5 * 1024 * 1024 },
    logLevel: oneOf('LOG_LEVEL', ['debug', 'info', 'warn', 'error'], 'info'),
    rules: rules.rules,
    schedulerIntervalMs: integer('TESSERA_SCHEDULER_INTERVAL_SECONDS', 3600, 1, 7 * 24 * 3600) * 1000,
    topicPrefix,
    topicPartitions: integer('TESSERA_TOPIC_PARTITIONS', 12, 1, 1000),
    publishWindowMs: publishWindowMs ?? 86_400_000,
    outboxWarnDepth: integer('TESSERA_OUTBOX_WARN_DEPTH', 100_000, 1, 1_000_000_000),
    rateLimits: {
      windowSeconds: integer('TESSERA_RATE_LIMIT_WINDOW_SECONDS', 60, 1, 3600),
      perKey: Object.fromEntries(
        SCOPES.filter((scope): scope is RouteScope => scope !== 'pii:read').map((scope) => [scope, integer(rateLimitVariable(scope), RATE_LIMIT_DEFAULTS[scope], 1, 1_000_000_000)]),
      ) as Record<RouteScope, number>,
      unauthenticatedPerIp: integer('TESSERA_RATE_LIMIT_UNAUTHENTICATED', 600, 1, 1_000_000_000),
    },
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

/**
 * What is wrong with an EventStoreDB connection string (never echoing it: it may hold a password).
 * `throwOnAppendFailure=false` is refused: the client then reports a wrong revision.
 */
function eventStoreDbUrlProblems(url: string): string[] {
  const problems: string[] = [];
  if (!/^esdb(\+discover)?:\/\/[^/?]+/.test(url)) problems.push('EVENTSTOREDB_URL must be esdb://[user:password@]host:port[,host:port…][?options] or esdb+discover://…');
  if (/[?&]throwOnAppendFailure=false(&|$)/i.test(url)) problems.push('EVENTSTOREDB_URL sets throwOnAppendFailure=false, which Tessera does not support (revisions would be reported wrong): remove it');
  return problems;
}

function parseRoles(value: string | undefined, problems: string[]): ReadonlySet<Role> {
  if (value === undefined || value === 'all') return new Set(ROLES);
  const names = value.split(',').map((r) => r.trim()).filter(Boolean);
  const unknown = names.filter((r) => !(ROLES as readonly string[]).includes(r));
  if (unknown.length > 0 || names.length === 0) {
    problems.push(`TESSERA_ROLES=${value}: unknown role(s) ${unknown.join(', ') || '(none given)'}; use "all" or a comma list of ${ROLES.join(', ')}`);
    return new Set(ROLES);
  }
  return new Set(names as Role[]);
}

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

export const TESSERA_CONFIG = Symbol('TESSERA_CONFIG');
