import { Pool } from 'pg';

export type OutboxStats = {
  depth: number;
  oldest: { messageId: string; topic: string; key: string; type: string; at: string; createdAt: string; ageSeconds: number } | null;
  byTopic: Record<string, number>;
};

/** Depth, per-topic counts and the oldest waiting message (`GET /v1/outbox`, metrics, health). */
export async function outboxStats(pool: Pool): Promise<OutboxStats> {
  const { rows: counts } = await pool.query<{ topic: string; depth: number }>(`select topic, count(*)::integer as depth from outbox.messages group by topic order by topic`);
  const { rows } = await pool.query<{ message_id: string; topic: string; key: string; type: string; at: Date; created_at: Date; age: number }>(
    `select message_id, topic, key, type, at, created_at, extract(epoch from clock_timestamp() - created_at)::float8 as age from outbox.messages order by seq limit 1`,
  );
  const oldest = rows[0];
  return {
    depth: counts.reduce((sum, c) => sum + c.depth, 0),
    oldest: oldest
      ? { messageId: oldest.message_id, topic: oldest.topic, key: oldest.key, type: oldest.type, at: oldest.at.toISOString(), createdAt: oldest.created_at.toISOString(), ageSeconds: Math.round(oldest.age * 1000) / 1000 }
      : null,
    byTopic: Object.fromEntries(counts.map((c) => [c.topic, c.depth])),
  };
}
