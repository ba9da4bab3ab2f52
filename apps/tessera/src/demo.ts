import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { seed } from '@tessera/demo-data';

export const DEMO_CUSTOMERS = 200;

/**
 * `npm start -- --demo`: loads a small generated demo set through the app's own public API once
 * it listens. Histories end at an instant saved in the data folder, so a later start with --demo
 * re-sends the same events and the API answers them as duplicates instead of conflicts.
 */
export async function loadDemo(url: string, key: string, dataDir: string): Promise<void> {
  const logger = new Logger('demo');
  const file = join(dataDir, 'demo-now');
  let now: Date;
  try {
    now = new Date(readFileSync(file, 'utf8').trim());
  } catch {
    now = new Date(Math.floor(Date.now() / 60_000) * 60_000);
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(file, `${now.toISOString()}\n`);
  }
  logger.log({ msg: 'loading the demo set', customers: DEMO_CUSTOMERS, endingAt: now.toISOString() });
  let reported = 0;
  try {
    const summary = await seed({
      url,
      key,
      customers: DEMO_CUSTOMERS,
      // the demo owns the plain ids (c-000001…); `npm run seed` writes into fresh namespaces beside it
      namespace: null,
      now,
      onProgress: (p) => {
        const percent = Math.floor((100 * p.customersDone) / p.customers);
        if (percent < reported + 25) return;
        reported = percent;
        logger.log({ msg: 'demo progress', percent, customers: p.customersDone, events: p.events });
      },
    });
    logger.log({ msg: 'demo set loaded', customers: summary.customers, events: summary.events, duplicates: summary.duplicates, seconds: Number(summary.seconds.toFixed(1)) });
  } catch (error) {
    logger.error({ msg: 'the demo set could not be loaded', error: error instanceof Error ? error.message : String(error) });
  }
}
