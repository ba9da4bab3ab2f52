import { Pool, PoolClient } from 'pg';

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
      // a broken connection has closed already (pg emitted its 'end'); a destroyed one closes now
      const closed = destroy && !broken ? new Promise<void>((done) => client.once('end', () => done())) : Promise.resolve();
      client.release(broken || destroy);
      return closed;
    },
  };
}
