import './register-paths';
import { MIGRATIONS } from '../../apps/tessera/src/migrations';
import { startEmbeddedPostgres, openDatabase } from '@tessera/platform';
import { dropDatabasesOfDeadRuns, runComment, withAdmin, withDatabase } from './database';
import { provisionKafka } from '../../scripts/support/kafka-broker';
import { makeTempDir, removeTempDir, removeTempDirsOfDeadRuns } from './temp-dirs';

/**
 * Provisions the real services once per run (DESIGN §9): PostgreSQL from DATABASE_URL or an
 * embedded server, migrated once into a template database; Kafka from KAFKA_BROKERS,
 * testcontainers, or infra/kafka. Workers read what it found from TESSERA_TEST_* variables.
 */
type Teardown = () => Promise<void>;
const teardowns: Teardown[] = [];
(globalThis as { __tesseraTeardowns?: Teardown[] }).__tesseraTeardowns = teardowns;

const log = (line: string) => process.stderr.write(`[test setup] ${line}\n`);

export default async function globalSetup(): Promise<void> {
  const runId = `${Date.now().toString(36)}${process.pid.toString(36)}`;
  process.env.TESSERA_TEST_RUN_PID = String(process.pid);
  await removeTempDirsOfDeadRuns(log);
  const adminUrl = await provisionPostgres();
  const template = `tessera_template_${runId}`;
  await withAdmin(adminUrl, async (admin) => {
    await dropDatabasesOfDeadRuns(admin);
    await admin.query(`create database ${template} encoding 'UTF8' template template0`);
    await admin.query(`comment on database ${template} is '${runComment()}'`);
  });
  const dataSource = await openDatabase(withDatabase(adminUrl, template), MIGRATIONS, 2);
  await dataSource.destroy();
  teardowns.push(() => withAdmin(adminUrl, async (admin) => void (await admin.query(`drop database if exists ${template} with (force)`))));
  process.env.TESSERA_TEST_PG_ADMIN_URL = adminUrl;
  process.env.TESSERA_TEST_PG_TEMPLATE = template;
  log(`PostgreSQL ready, template ${template}`);

  const kafka = await provisionKafka(log);
  if (kafka.brokers) {
    process.env.TESSERA_TEST_KAFKA_BROKERS = kafka.brokers.join(',');
    process.env.TESSERA_TEST_KAFKA_SOURCE = kafka.source;
    teardowns.push(kafka.stop);
    log(`Kafka ready at ${kafka.brokers.join(',')} (${kafka.source})`);
  } else {
    process.env.TESSERA_TEST_KAFKA_SKIP_REASON = kafka.reason;
    log(`SKIPPING Kafka suites: ${kafka.reason}`);
  }
}

async function provisionPostgres(): Promise<string> {
  if (process.env.DATABASE_URL) {
    log('PostgreSQL from DATABASE_URL');
    return process.env.DATABASE_URL;
  }
  const dataDir = await makeTempDir('tessera-test-pg-');
  log(`no DATABASE_URL: starting an embedded PostgreSQL in ${dataDir}`);
  const embedded = await startEmbeddedPostgres(dataDir, (message) => log(message)).catch(async (error: unknown) => {
    await removeTempDir(dataDir);
    throw error;
  });
  teardowns.push(async () => {
    await embedded.stop();
    await removeTempDir(dataDir);
  });
  return withDatabase(embedded.url, 'postgres');
}
