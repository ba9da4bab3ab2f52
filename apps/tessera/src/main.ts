import 'reflect-metadata';
import { ConsoleLogger, Logger } from '@nestjs/common';
import { ConfigError, loadConfig } from '@tessera/platform';
import { bannerLines } from './banner';
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
    `${bannerLines({ url, roles: config.roles, adminKey: runtime.adminKey, dataDir: config.dataDir, embedded: runtime.embedded, kafkaBrokers: config.kafkaBrokers, demo: demo ? { customers: DEMO_CUSTOMERS } : undefined }).join('\n')}\n`,
  );

  if (demo && config.roles.has('ingest')) void loadDemo(`http://127.0.0.1:${port}`, runtime.adminKey.key, config.dataDir);

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
  process.on('SIGHUP', () => void stop('SIGHUP'));
}

main().catch((error: unknown) => {
  process.stderr.write(`tessera failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
