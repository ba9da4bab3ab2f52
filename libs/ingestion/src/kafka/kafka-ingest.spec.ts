import { problem } from '@tessera/platform';
import { DLQ_HEADER, deadLetter } from './dead-letter';
import { parseValue } from './ingest-messages';
import { ingestGroupId } from './kafka-ingest.consumer';
import { retryDelayMs } from './kafka-message-consumer';

describe('parseValue', () => {
  it.each([
    ['{"type":"PageViewed"}', { type: 'PageViewed' }],
    ['[1]', [1]],
    ['"text"', 'text'],
    ['{"name":"张伟"}', { name: '张伟' }],
  ])('parses %s (whether it is an envelope is validateEvent’s call)', (value, body) => {
    expect(parseValue(value)).toEqual({ ok: true, body });
  });

  it.each([
    ['{"type": ', '{"type": ', /not valid JSON/],
    ['', '', /not valid JSON/],
    [null, null, /no value/],
  ])('refuses %j with a validation problem at pointer "" keeping the original', (value, original, message) => {
    const parsed = parseValue(value);
    expect(parsed).toMatchObject({ ok: false, original });
    expect(parsed.ok ? [] : parsed.error.errors).toEqual([{ pointer: '', rule: 'isJson', message: expect.stringMatching(message) }]);
  });
});

describe('deadLetter', () => {
  const rejected = { kind: 'rejected' as const, reason: 'validation' as const, original: { type: 'x' }, problem: problem(400, 'validation', 'Your request is not valid', 'bad') };
  const message = { topic: 'tessera.ingest.v1', partition: 3, offset: '42', key: 'c-1', value: '{"type":"x"}', headers: { 'message-id': 'm-1', source: 'crm' } };

  it('carries the original and the problem, the same key and the original headers plus where it came from', () => {
    expect(deadLetter(message, rejected, 'tessera.ingest.dlq.v1')).toEqual({
      topic: 'tessera.ingest.dlq.v1',
      key: 'c-1',
      value: JSON.stringify({ original: { type: 'x' }, problem: rejected.problem }),
      headers: {
        'message-id': 'm-1',
        source: 'crm',
        [DLQ_HEADER.reason]: 'validation',
        [DLQ_HEADER.topic]: 'tessera.ingest.v1',
        [DLQ_HEADER.partition]: '3',
        [DLQ_HEADER.offset]: '42',
      },
    });
  });

  it('keeps a raw string original as a string, and a missing key as an empty one', () => {
    const letter = deadLetter({ ...message, key: null, value: 'oops' }, { ...rejected, original: 'oops' }, 'dlq');
    expect(letter.key).toBe('');
    expect(JSON.parse(letter.value)).toEqual({ original: 'oops', problem: rejected.problem });
  });
});

describe('ingestGroupId', () => {
  it.each([
    ['tessera.', 'tessera-ingest'],
    ['acme-prod.', 'acme-prod-ingest'],
    ['t-1a2b.', 't-1a2b-ingest'],
    ['plain', 'plain-ingest'],
    ['', 'tessera-ingest'],
  ])('%j → %s', (prefix, group) => {
    expect(ingestGroupId(prefix)).toBe(group);
  });
});

describe('retryDelayMs', () => {
  it.each([
    [1, 500],
    [2, 1_000],
    [4, 4_000],
    [7, 30_000],
    [50, 30_000],
  ])('after %i failure(s) in a row waits %i ms', (failures, ms) => {
    expect(retryDelayMs(failures, { initialMs: 500, maxMs: 30_000 })).toBe(ms);
  });
});
