import 'reflect-metadata';
import { ConsoleLogger, Logger } from '@nestjs/common';
import { ConfigError, loadConfig } from '@tessera/platform';
import { createApp } from './create-app';
import { DEMO_CUSTOMERS, loadDemo } from './demo';
import { startRuntime } from './runtime';

/**
 * `npm start`: the whole platform. With nothing configured it runs every role on an embedded
 * PostgreSQL in TESSERA_DATA_DIR (default ./.tessera), Kafka off (DESIGN §8).
 */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  Logger.overrideLogger(new ConsoleLogger({ json: true }));
  const logger = new Logger('main');
  const demo = process.argv.includes('--demo');
  const runtime = await startRuntime(config);
  const app = await createApp(runtime);
  await app.listen({ port: config.port, host: config.host });
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const url = `http://localhost:${port}`;
  logger.log({ msg: 'tessera started', url, roles: [...config.roles], eventStore: runtime.eventStore.name, embeddedDatabase: runtime.embedded, kafka: config.kafkaBrokers.length > 0 ? config.kafkaBrokers : 'off' });
  process.stdout.write(
    [
      '',
      `  Tessera is running: ${url}`,
      `  API:     ${url}/v1/events   health: ${url}/health   metrics: ${url}/metrics`,
      `  Admin key (${runtime.adminKey.source === 'env' ? 'from TESSERA_ADMIN_KEY' : `saved in ${config.dataDir}/admin-key`}): ${runtime.adminKey.key}`,
      `  Database: ${runtime.embedded ? `embedded PostgreSQL in ${config.dataDir}/pg` : 'DATABASE_URL'}   Kafka: ${config.kafkaBrokers.length > 0 ? config.kafkaBrokers.join(',') : 'off (set KAFKA_BROKERS)'}`,
      `  Customers: ${url}/v1/customers   analytics: ${url}/v1/analytics/lifecycle   projections: ${url}/v1/projections`,
      demo ? `  Demo: loading ${DEMO_CUSTOMERS} generated customers through the API (progress in the log)` : '  Demo data: start with `npm start -- --demo`, or `npm run seed -- --customers N`',
      '',
    ].join('\n') + '\n',
  );

  if (demo) void loadDemo(`http://127.0.0.1:${port}`, runtime.adminKey.key, config.dataDir);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.log({ msg: 'stopping', signal });
    const timer = setTimeout(() => process.exit(1), 20_000).unref();
    await app.close();
    await runtime.stop();
    clearTimeout(timer);
    logger.log({ msg: 'stopped' });
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((error: unknown) => {
  process.stderr.write(`tessera failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
