import { EventBody } from './history';
import { requestUnits } from './seed';

const customer = (id: string, size: number) => Array.from({ length: size }, (_, i) => ({ customerId: id, eventId: `${id}-${i}` }) as unknown as EventBody);

describe('requestUnits', () => {
  it.each([
    ['packs whole customers up to the batch size', [3, 4, 2, 5], 8, [[7], [7]], [2, 2]],
    ['gives a customer larger than a batch consecutive requests of its own', [2, 9, 1], 4, [[2], [4, 4, 1], [1]], [1, 1, 1]],
    ['fills a batch exactly', [4, 4, 4], 8, [[8], [4]], [2, 1]],
  ])('%s', (_case, sizes, batchSize, expectedBatches, expectedCustomers) => {
    const units = [...requestUnits(sizes.map((size, i) => customer(`c-${i}`, size)), batchSize)];
    expect(units.map((unit) => unit.batches.map((batch) => batch.length))).toEqual(expectedBatches);
    expect(units.map((unit) => unit.customers)).toEqual(expectedCustomers);
    expect(units.flatMap((unit) => unit.batches.flat()).map((e) => e.eventId)).toEqual(sizes.flatMap((size, i) => customer(`c-${i}`, size)).map((e) => e.eventId));
  });
});
