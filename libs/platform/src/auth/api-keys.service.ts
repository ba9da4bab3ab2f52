import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { Pool } from 'pg';
import { apiKeyLookups } from '../health/metrics';
import { isConnectionError } from '../database/pg-errors';
import { PG_POOL } from '../database/database.tokens';
import { NotFoundError, UnauthenticatedError, UnavailableError, ValidationError } from '../errors';
import { ApiKeyCache, REVOCATION_CHANNEL } from './api-key-cache';
import { checkNewApiKey } from './new-api-key';
import { Principal, Scope, isScope } from './scopes';

export type ApiKeyView = { id: string; name: string; scopes: Scope[]; createdAt: string; lastUsedAt: string | null; bootstrap: boolean };

type KeyRow = { id: string; name: string; scopes: string[]; created_at: Date; last_used_at: Date | null; bootstrap: boolean };

const TOUCH_EVERY_MS = 60_000;
const MAX_SEEN_VALID = 10_000;

/** API keys (DESIGN §11): shown once, stored as sha-256, revoked at once. */
@Injectable()
export class ApiKeysService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('api-keys');
  private readonly touched = new Map<string, number>();
  /** Hashes of keys this instance has found valid (cached or not): they may be looked up even when their address is over its limit. */
  private readonly seenValid = new Set<string>();
  private readonly cache: ApiKeyCache;

  constructor(@Inject(PG_POOL) private readonly pool: Pool) {
    this.cache = new ApiKeyCache(pool);
  }

  onModuleInit(): Promise<void> {
    return this.cache.start();
  }

  onModuleDestroy(): Promise<void> {
    return this.cache.stop();
  }

  /**
   * True when this instance has found `key` valid before (and not unknown since): a caller over
   * its unauthenticated limit is refused before any other key costs a query.
   */
  isKnown(key: string): boolean {
    return this.seenValid.has(hashKey(key).toString('base64'));
  }

  async authenticate(key: string): Promise<Principal> {
    const keyHash = hashKey(key);
    const cacheKey = keyHash.toString('base64');
    const cached = this.cache.get(cacheKey);
    if (cached) {
      this.touch(cached.keyId);
      return cached;
    }
    const generation = this.cache.currentGeneration();
    apiKeyLookups.inc();
    const rows = await this.query<KeyRow>('select id, name, scopes from api_keys where key_hash = $1 and revoked_at is null', [keyHash]);
    if (rows.length === 0) {
      this.seenValid.delete(cacheKey);
      throw new UnauthenticatedError('the API key is unknown or revoked');
    }
    if (this.seenValid.size >= MAX_SEEN_VALID) this.seenValid.clear();
    this.seenValid.add(cacheKey);
    const [row] = rows;
    this.touch(row.id);
    const principal: Principal = { keyId: row.id, name: row.name, scopes: new Set(row.scopes.filter(isScope)) };
    this.cache.put(cacheKey, principal, generation);
    return principal;
  }

  async create(body: unknown): Promise<{ id: string; key: string }> {
    const checked = checkNewApiKey(body);
    if (!checked.ok) throw new ValidationError('the API key request is not valid', checked.errors);
    const key = newKey();
    const id = randomUUID();
    await this.query('insert into api_keys (id, name, key_hash, scopes) values ($1, $2, $3, $4)', [id, checked.input.name, hashKey(key), checked.input.scopes]);
    return { id, key };
  }

  async list(): Promise<ApiKeyView[]> {
    const rows = await this.query<KeyRow>('select id, name, scopes, created_at, last_used_at, bootstrap from api_keys where revoked_at is null order by created_at, id');
    return rows.map((row) => ({
      id: row.id,
      name: row.name,
      scopes: row.scopes.filter(isScope),
      createdAt: row.created_at.toISOString(),
      lastUsedAt: row.last_used_at?.toISOString() ?? null,
      bootstrap: row.bootstrap,
    }));
  }

  /** Revoked at once: this instance forgets the key, and the NOTIFY (sent on commit) tells the others. */
  async revoke(id: string): Promise<void> {
    const rows = /^[0-9a-f-]{36}$/i.test(id)
      ? await this.query(
          `with revoked as (update api_keys set revoked_at = now() where id = $1 and revoked_at is null returning id)
           select id, pg_notify('${REVOCATION_CHANNEL}', id::text) from revoked`,
          [id],
        )
      : [];
    if (rows.length === 0) throw new NotFoundError(`no active API key ${id}`);
    this.cache.forget(id);
  }

  /**
   * Makes `key` a working admin key. With `replaceOthers`, earlier bootstrap keys are revoked:
   * TESSERA_ADMIN_KEY is then the one source of truth.
   */
  async ensureAdminKey(key: string, replaceOthers: boolean): Promise<void> {
    const hash = hashKey(key);
    await this.query(
      `insert into api_keys (id, name, key_hash, scopes, bootstrap) values ($1, 'bootstrap admin', $2, '{admin}', true)
       on conflict (key_hash) do update set revoked_at = null, scopes = '{admin}'`,
      [randomUUID(), hash],
    );
    if (replaceOthers) {
      const revoked = await this.query<{ id: string }>(
        `with revoked as (update api_keys set revoked_at = now() where bootstrap and key_hash <> $1 and revoked_at is null returning id)
         select id, pg_notify('${REVOCATION_CHANNEL}', id::text) from revoked`,
        [hash],
      );
      for (const { id } of revoked) this.cache.forget(id);
    }
  }

  private touch(id: string): void {
    const now = Date.now();
    if (now - (this.touched.get(id) ?? 0) < TOUCH_EVERY_MS) return;
    this.touched.set(id, now);
    this.pool.query('update api_keys set last_used_at = now() where id = $1', [id]).catch((error: unknown) => this.logger.warn({ msg: 'could not record key use', error: String(error) }));
  }

  private async query<T extends object>(sql: string, params: unknown[] = []): Promise<T[]> {
    try {
      return (await this.pool.query<T>(sql, params)).rows;
    } catch (error) {
      if (isConnectionError(error)) throw new UnavailableError('the database cannot be reached', 5, error);
      throw error;
    }
  }
}

export function newKey(): string {
  return `tsk_${randomBytes(32).toString('base64url')}`;
}

function hashKey(key: string): Buffer {
  return createHash('sha256').update(key).digest();
}
