import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { GenericContainer, Wait, getContainerRuntimeClient } from 'testcontainers';

/**
 * How the integration tests and the benchmarks get a Kafka broker, in order of preference:
 *  1. KAFKA_BROKERS (comma-separated) — an existing cluster, never stopped by us;
 *  2. Docker (testcontainers) — an apache/kafka KRaft single node;
 *  3. Java on PATH — infra/kafka/kafka.sh, a broker run from Maven Central jars;
 *  4. none — { brokers: null, reason }.
 */
export type KafkaProvision =
  | { brokers: string[]; source: 'env' | 'testcontainers' | 'infra'; stop(): Promise<void> }
  | { brokers: null; reason: string };

// From scripts/support (tests) or dist/scripts/support (benchmarks).
const KAFKA_SH = resolve(__dirname, __dirname.includes('/dist/') ? '../../../infra/kafka/kafka.sh' : '../../infra/kafka/kafka.sh');
const KAFKA_IMAGE = process.env.TESSERA_KAFKA_IMAGE ?? 'apache/kafka:4.3.1';
const DOCKER_PROBE_TIMEOUT_MS = 5_000;

export async function provisionKafka(log: (line: string) => void): Promise<KafkaProvision> {
  const fromEnv = process.env.KAFKA_BROKERS?.split(',').map((b) => b.trim()).filter(Boolean) ?? [];
  if (fromEnv.length > 0) {
    // The broker of infra/kafka (as .ci/run starts it) may be stopped and started by fault tests.
    const infra = fromEnv.length === 1 && infraBrokerAddress() === fromEnv[0];
    log(`kafka: using KAFKA_BROKERS=${fromEnv.join(',')}${infra ? ' (the infra/kafka broker)' : ''}`);
    return { brokers: fromEnv, source: infra ? 'infra' : 'env', stop: async () => undefined };
  }

  const dockerHost = await dockerHostOrNull();
  if (dockerHost !== null) {
    log(`kafka: starting ${KAFKA_IMAGE} with testcontainers`);
    return startContainer(dockerHost);
  }

  if (!hasJava()) {
    return { brokers: null, reason: 'no KAFKA_BROKERS, no Docker and no java on PATH' };
  }
  return startInfraBroker(log);
}

async function dockerHostOrNull(): Promise<string | null> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('timeout')), DOCKER_PROBE_TIMEOUT_MS);
  });
  try {
    const client = await Promise.race([getContainerRuntimeClient(), timeout]);
    return client.info.containerRuntime.host;
  } catch {
    return null;
  } finally {
    clearTimeout(timer);
  }
}

async function startContainer(host: string): Promise<KafkaProvision> {
  // The advertised listener must carry the host-side port, so bind a known free port up front.
  const hostPort = await freePort();
  const container = await new GenericContainer(KAFKA_IMAGE)
    .withExposedPorts({ container: 9092, host: hostPort })
    .withEnvironment({
      KAFKA_NODE_ID: '1',
      KAFKA_PROCESS_ROLES: 'broker,controller',
      KAFKA_CONTROLLER_QUORUM_VOTERS: '1@localhost:9093',
      KAFKA_LISTENERS: 'PLAINTEXT://:9092,CONTROLLER://:9093,BROKER://:9094',
      KAFKA_ADVERTISED_LISTENERS: `PLAINTEXT://${host}:${hostPort},BROKER://localhost:9094`,
      KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,BROKER:PLAINTEXT',
      KAFKA_CONTROLLER_LISTENER_NAMES: 'CONTROLLER',
      KAFKA_INTER_BROKER_LISTENER_NAME: 'BROKER',
      KAFKA_NUM_PARTITIONS: '1',
      KAFKA_AUTO_CREATE_TOPICS_ENABLE: 'true',
      KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: '0',
      KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: '1',
      KAFKA_OFFSETS_TOPIC_NUM_PARTITIONS: '1',
      KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: '1',
      KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: '1',
      KAFKA_SHARE_COORDINATOR_STATE_TOPIC_REPLICATION_FACTOR: '1',
      KAFKA_SHARE_COORDINATOR_STATE_TOPIC_MIN_ISR: '1',
    })
    .withWaitStrategy(Wait.forLogMessage(/Kafka Server started/))
    .withStartupTimeout(120_000)
    .start();
  return {
    brokers: [`${host}:${hostPort}`],
    source: 'testcontainers',
    stop: async () => {
      await container.stop();
    },
  };
}

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => (port > 0 ? done(port) : fail(new Error('no free port'))));
    });
  });
}

/** `127.0.0.1:<port>` of the broker infra/kafka/kafka.sh runs, or null when it is not running. */
function infraBrokerAddress(): string | null {
  const status = spawnSync('bash', [KAFKA_SH, 'status'], { encoding: 'utf8' });
  return status.status === 0 ? (/(\d+\.\d+\.\d+\.\d+:\d+)\)/.exec(status.stdout)?.[1] ?? null) : null;
}

function hasJava(): boolean {
  return spawnSync('java', ['-version'], { stdio: 'ignore' }).status === 0;
}

type RunResult = { code: number; stdout: string[]; stderr: string };

/** Runs kafka.sh, passing each stdout line to `log`. */
function runKafkaSh(command: string, log: (line: string) => void): Promise<RunResult> {
  return new Promise((done) => {
    const child = spawn('bash', [KAFKA_SH, command], { stdio: ['ignore', 'pipe', 'pipe'] });
    const stdout: string[] = [];
    let pending = '';
    let stderr = '';
    const emit = (line: string): void => {
      if (line.trim() === '') return;
      stdout.push(line);
      log(line);
    };
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      const lines = (pending + chunk).split('\n');
      pending = lines.pop() ?? '';
      lines.forEach(emit);
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.on('error', (error) => done({ code: -1, stdout, stderr: error.message }));
    child.on('close', (code) => {
      emit(pending);
      done({ code: code ?? -1, stdout, stderr });
    });
  });
}

async function startInfraBroker(log: (line: string) => void): Promise<KafkaProvision> {
  const alreadyRunning = spawnSync('bash', [KAFKA_SH, 'status'], { stdio: 'ignore' }).status === 0;
  const started = await runKafkaSh('start', log);
  if (started.code !== 0) {
    const tail = started.stderr.trim().split('\n').slice(-15).join('\n');
    return { brokers: null, reason: `infra/kafka/kafka.sh start failed (exit ${started.code}):\n${tail}` };
  }
  // kafka.sh prints the address it actually serves on (an already running broker may use another port).
  const announced = started.stdout.find((line) => line.startsWith('KAFKA_BROKERS='));
  const bootstrap = announced?.slice('KAFKA_BROKERS='.length) ?? `127.0.0.1:${process.env.KAFKA_PORT ?? '19092'}`;
  return {
    brokers: [bootstrap],
    source: 'infra',
    stop: async () => {
      if (alreadyRunning) {
        log('kafka: broker was already running before the tests, leaving it up');
        return;
      }
      await runKafkaSh('stop', log);
    },
  };
}
