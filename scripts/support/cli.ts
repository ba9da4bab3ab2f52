import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** What the command-line scripts share: where the API is, its key, and how progress looks. */

export function apiUrl(given: string | undefined): string {
  return given ?? process.env.TESSERA_URL ?? `http://localhost:${process.env.PORT ?? 3000}`;
}

/** --key, else TESSERA_ADMIN_KEY, else the key the embedded default saved in its data folder. */
export function apiKey(given: string | undefined, fail: (message: string) => never): string {
  if (given) return given;
  if (process.env.TESSERA_ADMIN_KEY) return process.env.TESSERA_ADMIN_KEY;
  const file = join(process.env.TESSERA_DATA_DIR ?? '.tessera', 'admin-key');
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    return fail(`no API key: pass --key, set TESSERA_ADMIN_KEY, or start Tessera once so that ${file} exists`);
  }
}

export function bar(percent: number): string {
  const filled = Math.max(0, Math.min(25, Math.round(percent / 4)));
  return `[${'#'.repeat(filled)}${'.'.repeat(25 - filled)}] ${percent.toFixed(0).padStart(3)}%`;
}

export const count = (n: number) => Math.round(n).toLocaleString('en-US');

export function duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '…';
  if (seconds < 60) return `${Math.ceil(seconds)}s`;
  return `${Math.floor(seconds / 60)}m${String(Math.ceil(seconds % 60)).padStart(2, '0')}s`;
}
