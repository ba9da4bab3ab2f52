/** A dependency's readiness. `critical` ones make the report `down`; others only `degraded`. */
export type HealthCheck = {
  name: string;
  critical: boolean;
  check(): Promise<{ status: 'up' | 'down' | 'disabled'; detail?: string }>;
};

export type HealthReport = {
  status: 'ok' | 'degraded' | 'down';
  roles: string[];
  checks: Record<string, { status: 'up' | 'down' | 'disabled'; critical: boolean; latencyMs: number; detail?: string }>;
};

export const HEALTH_CHECKS = Symbol('HEALTH_CHECKS');

const CHECK_TIMEOUT_MS = 2_000;

export async function runHealthChecks(checks: HealthCheck[], roles: string[]): Promise<HealthReport> {
  const results = await Promise.all(
    checks.map(async (c) => {
      const started = Date.now();
      const result = await withTimeout(c.check(), CHECK_TIMEOUT_MS).catch((error: unknown) => ({ status: 'down' as const, detail: error instanceof Error ? error.message : String(error) }));
      return [c.name, { ...result, critical: c.critical, latencyMs: Date.now() - started }] as const;
    }),
  );
  const down = results.filter(([, r]) => r.status === 'down');
  const status = down.some(([, r]) => r.critical) ? 'down' : down.length > 0 ? 'degraded' : 'ok';
  return { status, roles, checks: Object.fromEntries(results) };
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
