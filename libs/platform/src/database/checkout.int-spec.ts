import { TestDatabase, createTestDatabase } from '../../../../test/support/database';
import { eventually } from '../../../../test/support/eventually';
import { checkout } from './checkout';

/** A destroyed checkout's session is gone, on the server too, once release(true) resolves. */
describe('checkout', () => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase('checkout');
  });
  afterAll(async () => {
    await database?.drop();
  });

  const sessionAlive = async (pid: number): Promise<boolean> => {
    const { rows } = await database.pool.query('select 1 from pg_stat_activity where pid = $1', [pid]);
    return rows.length > 0;
  };

  it('release(true) resolves once the connection has closed, so nothing (a database stop) can cut it afterwards', async () => {
    const lease = await checkout(database.pool);
    const { rows } = await lease.client.query<{ pid: number }>('select pg_backend_pid() as pid');
    const socket = (lease.client as unknown as { connection: { stream: import('node:net').Socket } }).connection.stream;
    const totalBefore = database.pool.totalCount;
    const released = lease.release(true);
    expect(socket.destroyed).toBe(false); // closing has only begun
    await released;
    expect(socket.destroyed).toBe(true);
    expect(database.pool.totalCount).toBe(totalBefore - 1);
    await eventually('the server to end the session', async () => !(await sessionAlive(rows[0].pid)));
  });

  it('release() gives a healthy connection back to the pool', async () => {
    const lease = await checkout(database.pool);
    const { rows } = await lease.client.query<{ pid: number }>('select pg_backend_pid() as pid');
    await lease.release();
    expect(await sessionAlive(rows[0].pid)).toBe(true);
  });
});
