import { Pool } from 'pg';

/**
 * Everything a projection run leaves in the customer 360 tables, in a stable order and without
 * wall-clock columns, so two runs (killed and restarted, concurrent, rebuilt) can be compared.
 */
export async function readModelSnapshot(pool: Pool, schema = 'customer_360'): Promise<Record<string, unknown[]>> {
  const q = async (sql: string) => (await pool.query(sql)).rows;
  return {
    customers: await q(`select customer_id, profile::text as profile, transitions_digest, lifecycle_stage, value_tier, tags, interests, segments, net_spend_365d, next_review_at from ${schema}.customers order by customer_id`),
    orders: await q(`select customer_id, order_id, status, total, refunded, items::text, history::text, placed_at from ${schema}.orders order by customer_id, order_id`),
    transitions: await q(`select customer_id, seq, from_stage, to_stage, at, cause::text from ${schema}.lifecycle_transitions order by customer_id, seq`),
    surveys: await q(`select * from ${schema}.surveys order by customer_id, survey_key`),
    complaints: await q(`select * from ${schema}.complaints order by customer_id, complaint_id`),
    chats: await q(`select * from ${schema}.chats order by customer_id, chat_id`),
    counted: await q(`select count(*)::int as n from ${schema}.counted_events`),
    parked: await q(`select event_id, error from ${schema}.parked_events order by event_id`),
  };
}

export async function checkpointOf(pool: Pool, schema = 'customer_360'): Promise<{ position: string | null; eventsApplied: number }> {
  const { rows } = await pool.query<{ position: string | null; events_applied: string }>(`select position, events_applied from ${schema}.checkpoint`);
  return { position: rows[0].position, eventsApplied: Number(rows[0].events_applied) };
}

/** Waits (polling, never a fixed sleep) until the projection checkpoint reached `position`. */
export async function waitForCheckpoint(pool: Pool, position: string, timeoutMs = 120_000, schema = 'customer_360'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if ((await checkpointOf(pool, schema)).position === position) return;
    if (Date.now() > deadline) throw new Error(`the projection did not reach ${position} within ${timeoutMs} ms (at ${(await checkpointOf(pool, schema)).position})`);
    await new Promise((done) => setTimeout(done, 25));
  }
}
