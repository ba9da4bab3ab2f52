import { START, decodePosition, encodePosition } from './postgres-positions';

describe('PostgreSQL positions', () => {
  it.each([
    [{ transactionId: '0', globalPosition: '0' }, '0-0'],
    [{ transactionId: '4294967296812', globalPosition: '9007199254740993' }, '4294967296812-9007199254740993'],
  ])('round-trips %j as %s', (position, text) => {
    expect(encodePosition(position)).toBe(text);
    expect(decodePosition(text)).toEqual(position);
  });

  it('starts before every real position', () => {
    expect(encodePosition(START)).toBe('0-0');
  });

  it.each(['', '12', '1-', 'a-1', '1-2-3', ' 1-2'])('rejects %j', (text) => {
    expect(() => decodePosition(text)).toThrow(RangeError);
  });
});
