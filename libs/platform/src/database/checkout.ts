import { Pool, PoolClient } from 'pg';
import { settlesWithin } from '../pause';

/**
 * A client checked out of the pool loses the pool's idle-error listener: if its connection
 * breaks between two queries, pg emits 'error' on it, and an unhandled 'error' event kills the
 * process. Every checkout goes through here: the break is noted (the next query rejects anyway)
 * and a broken connection is destroyed on release instead of going back to the pool.
 */
/**
 * `release(true)` destroys the connection (e.g. to drop the session's advisory locks for sure)
 * and resolves once it has closed: the pool forgets it at once, so a shutdown that stopped the
 * database right after would cut a connection still saying goodbye.
 */
export type CheckedOut = { client: PoolClient; release(destroy?: boolean): Promise<void> };

export async function checkout(pool: Pool): Promise<CheckedOut> {
  const client = await pool.connect();
  let broken = false;
  const onError = () => (broken = true);
  client.on('error', onError);
  return {
    client,
    release: (destroy = false) => {
      client.off('error', onError);
      // a broken connection is left to pg, which closes it; a destroyed one closes now
      const closed = destroy && !broken ? closedWithin(client, CLOSE_DEADLINE_MS) : Promise.resolve();
      client.release(broken || destroy);
      return closed;
    },
  };
}

/** How long a goodbye may take before the socket is cut: a server that does not answer must not hold a shutdown. */
const CLOSE_DEADLINE_MS = 5_000;

type Closable = PoolClient & { _ended?: boolean; connection?: { stream?: { destroy(): void } } };

/** Resolves when pg has closed `client`'s connection (its 'end'), or cuts the socket after `ms`. */
async function closedWithin(client: Closable, ms: number): Promise<void> {
  if (client._ended) return;
  if (!(await settlesWithin(new Promise((done) => client.once('end', done)), ms))) client.connection?.stream?.destroy();
}
