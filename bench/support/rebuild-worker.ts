import { loadConfig } from '@tessera/platform';
import { readFileSync } from 'node:fs';
import { Logger } from '@nestjs/common';
import { Customer360Projector } from '@tessera/customers';
import { PostgresEventStore } from '@tessera/event-store';
import { rebuildProjection } from '@tessera/projections';
import { Pool } from 'pg';

/**
 * Runs one full rebuild of the customer 360 projection in its own process, so the bench can
 * read this process's peak memory (VmHWM) apart from the seeding and the baseline. Reports
 * JSON lines on stdout: progress (with current RSS) and the result.
 */
async function main(): Promise<void> {
  Logger.overrideLogger(['error', 'warn']);
  const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: 4 });
  const store = new PostgresEventStore(pool);
  const projector = new Customer360Projector(loadConfig({}));
  const started = performance.now();
  let reported = 0;
  const result = await rebuildProjection(pool, store, projector, {
    batchSize: Number(process.env.BENCH_REBUILD_BATCH ?? 2_000),
    // No runner has applied the seeded history: rebuild all of it.
    toHead: true,
    onProgress: (p) => {
      if (Date.now() - reported < 1_000) return;
      reported = Date.now();
      emit({ kind: 'progress', applied: p.applied, total: p.total, rssMb: rssMb('VmRSS') });
    },
  });
  const seconds = (performance.now() - started) / 1000;
  emit({ kind: 'done', applied: result.applied, parked: result.parked, seconds, peakRssMb: rssMb('VmHWM') });
  await pool.end();
}

function emit(line: object): void {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

/** From /proc/self/status: VmRSS (now) or VmHWM (peak), in MiB. */
function rssMb(field: 'VmRSS' | 'VmHWM'): number {
  const match = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync('/proc/self/status', 'utf8'));
  return match ? Math.round(Number(match[1]) / 1024) : Math.round(process.memoryUsage().rss / 2 ** 20);
}

main().catch((error: unknown) => {
  process.stderr.write(`rebuild worker failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
