import { BACKWARDS, END, EventStoreDBClient, START, StreamNotFoundError } from '@eventstore/db-client';
import type { AppendResult, EventData, ReadStreamOptions, StreamingRead } from '@eventstore/db-client';
import { EsdbEvent } from '../eventstoredb-events';

/** Decides the fate of one append before it is stored: throw to fail it, or return a promise to hold it. */
export type AppendScript = (streamId: string, events: EventData[]) => void | Promise<void>;

/**
 * A failure-injecting stand-in for `EventStoreDBClient`, for the failures no test can make a real
 * server produce here (none can run). It answers the three calls the adapter makes on its append
 * path — `appendToStream`, `readStream`, `dispose` — plus `readAll` failing with a given error. It
 * is not a second implementation of EventStoreDB: the contract suite runs against a real server
 * wherever EVENTSTOREDB_URL is set.
 */
export class ScriptedClient {
  readonly appended: string[] = [];
  disposed = false;
  readAllError: unknown = undefined;
  /** When set, every stream read fails with it (the read-back after an append, say). */
  readStreamError: unknown = undefined;
  private readonly streams = new Map<string, EsdbEvent[]>();
  private position = 0n;

  constructor(private readonly script: AppendScript = () => undefined) {}

  asClient(): EventStoreDBClient {
    return this as unknown as EventStoreDBClient;
  }

  async appendToStream(streamId: string, events: EventData[]): Promise<AppendResult> {
    await this.script(streamId, events);
    const stream = this.streams.get(streamId) ?? [];
    for (const event of events) {
      this.position += 100n;
      stream.push({ id: event.id, streamId, revision: BigInt(stream.length), type: event.type, created: new Date(), data: event.data, metadata: event.metadata, position: { commit: this.position, prepare: this.position } });
    }
    this.streams.set(streamId, stream);
    this.appended.push(streamId);
    return { success: true, nextExpectedRevision: BigInt(stream.length - 1), position: { commit: this.position, prepare: this.position } };
  }

  readStream(streamId: string, options: ReadStreamOptions): StreamingRead<{ event?: EsdbEvent }> {
    const stream = this.streams.get(streamId);
    const backwards = options.direction === BACKWARDS;
    const from = options.fromRevision === START || options.fromRevision === undefined ? 0n : options.fromRevision === END ? BigInt((stream?.length ?? 0) - 1) : options.fromRevision;
    const max = Number(options.maxCount ?? Number.MAX_SAFE_INTEGER);
    const error = this.readStreamError;
    return streaming(async function* () {
      if (error) throw error;
      if (!stream) throw new StreamNotFoundError(undefined, streamId);
      const picked = backwards ? stream.filter((e) => e.revision <= from).reverse() : stream.filter((e) => e.revision >= from);
      for (const event of picked.slice(0, max)) yield { event };
    });
  }

  readAll(): StreamingRead<{ event?: EsdbEvent }> {
    const error = this.readAllError;
    // eslint-disable-next-line require-yield -- a scripted $all that is empty, or fails at once
    return streaming(async function* () {
      if (error) throw error;
    });
  }

  async dispose(): Promise<void> {
    this.disposed = true;
  }
}

function streaming<E>(generate: () => AsyncGenerator<E>): StreamingRead<E> {
  return Object.assign(generate(), { cancel: async () => undefined }) as unknown as StreamingRead<E>;
}
