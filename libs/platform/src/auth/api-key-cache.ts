import { Logger } from '@nestjs/common';
import { Client, ClientConfig, Pool } from 'pg';
import { Principal } from './scopes';

export const REVOCATION_CHANNEL = 'tessera_api_keys';

const TTL_MS = 30_000;
const MAX_ENTRIES = 10_000;
const RECONNECT_MS = 1_000;

/**
 * Authenticated keys for 30 s, so a request does not pay a key lookup. Revocation stays
 * immediate across instances: a revoke sends NOTIFY on `tessera_api_keys`, every instance
 * LISTENs and drops its entries. While the listener is not connected nothing is cached or served
 * from the cache, and a reconnect starts empty (notifications may have been missed meanwhile).
 * A lookup that raced a revocation is not cached (the generation moved).
 */
export class ApiKeyCache {
  private readonly logger = new Logger('api-keys');
  private readonly entries = new Map<string, { principal: Principal; expiresAt: number }>();
  private generation = 0;
  private listener: Client | undefined;
  private listening = false;
  private closed = false;
  private reconnectTimer: NodeJS.Timeout | undefined;

  constructor(private readonly pool: Pool) {}

  get(keyHash: string): Principal | undefined {
    if (!this.listening) return undefined;
    const entry = this.entries.get(keyHash);
    if (!entry) return undefined;
    if (entry.expiresAt > Date.now()) return entry.principal;
    this.entries.delete(keyHash);
    return undefined;
  }

  /** The generation before a lookup; `put` with it caches only if no revocation came between. */
  currentGeneration(): number {
    return this.generation;
  }

  put(keyHash: string, principal: Principal, generation: number): void {
    if (!this.listening || generation !== this.generation) return;
    if (this.entries.size >= MAX_ENTRIES) this.entries.clear();
    this.entries.set(keyHash, { principal, expiresAt: Date.now() + TTL_MS });
  }

  /** Drops a revoked key here at once; other instances hear the NOTIFY the revoke sent. */
  forget(keyId: string): void {
    this.generation++;
    for (const [hash, entry] of this.entries) if (entry.principal.keyId === keyId) this.entries.delete(hash);
  }

  async start(): Promise<void> {
    this.closed = false;
    await this.connect();
  }

  async stop(): Promise<void> {
    this.closed = true;
    clearTimeout(this.reconnectTimer);
    this.listening = false;
    await this.listener?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    const client = new Client(this.pool.options as ClientConfig);
    client.on('notification', (message) => this.forget(message.payload ?? ''));
    client.on('error', (error) => this.lost(client, error));
    client.on('end', () => this.lost(client));
    try {
      await client.connect();
      await client.query(`listen ${REVOCATION_CHANNEL}`);
      this.listener = client;
      this.entries.clear();
      this.generation++;
      this.listening = true;
    } catch (error) {
      await client.end().catch(() => undefined);
      this.lost(client, error);
    }
  }

  private lost(client: Client, error?: unknown): void {
    if (this.listener && this.listener !== client) return;
    this.listening = false;
    this.listener = undefined;
    this.entries.clear();
    if (this.closed || this.reconnectTimer) return;
    if (error) this.logger.warn({ msg: 'key revocation listener lost; keys are checked in the database until it is back', error: String(error) });
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      if (!this.closed) void this.connect();
    }, RECONNECT_MS);
  }
}
