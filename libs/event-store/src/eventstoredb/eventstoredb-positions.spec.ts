import { InvalidPositionError, MAX_UINT64, comparePositions, decodePosition, encodePosition, isLogPosition } from './eventstoredb-positions';

const at = (commit: bigint, prepare: bigint) => ({ commit, prepare });

describe('EventStoreDB positions', () => {
  it.each([
    [at(0n, 0n), '00000000000000000000-00000000000000000000'],
    [at(1_234n, 1_200n), '00000000000000001234-00000000000000001200'],
    [at(MAX_UINT64 - 1n, MAX_UINT64 - 1n), '18446744073709551614-18446744073709551614'],
  ])('encodes %p as %s and decodes it back', (position, text) => {
    expect(encodePosition(position)).toBe(text);
    expect(decodePosition(text)).toEqual(position);
  });

  it.each([
    ['empty', ''],
    ['a PostgreSQL adapter position', '812-45'],
    ['unpadded', '1234-1200'],
    ['negative', '-0000000000000000001-00000000000000000000'],
    ['beyond 64 bits', '99999999999999999999-00000000000000000000'],
    ['the "unknown" placeholder', '18446744073709551615-18446744073709551615'],
    ['trailing text', '00000000000000001234-00000000000000001200x'],
  ])('refuses %s', (_case, text) => {
    expect(() => decodePosition(text)).toThrow(InvalidPositionError);
  });

  it.each([
    [at(1n, 1n), at(2n, 0n), -1],
    [at(2n, 0n), at(1n, 1n), 1],
    [at(5n, 3n), at(5n, 4n), -1],
    [at(5n, 4n), at(5n, 3n), 1],
    [at(5n, 4n), at(5n, 4n), 0],
  ])('compares %p with %p as %i', (a, b, expected) => {
    expect(comparePositions(a, b)).toBe(expected);
  });

  it('sorts encoded strings in log order', () => {
    const positions = [at(10n, 2n), at(9n, 9n), at(10n, 1n), at(100n, 0n), at(0n, 0n)];
    const byString = positions.map(encodePosition).sort();
    const byLog = [...positions].sort(comparePositions).map(encodePosition);
    expect(byString).toEqual(byLog);
  });

  it.each([
    [undefined, false],
    [at(MAX_UINT64, MAX_UINT64), false],
    [at(-1n, 0n), false],
    [at(0n, 0n), true],
    [at(7n, 7n), true],
  ])('treats %p as a log position: %p', (position, expected) => {
    expect(isLogPosition(position)).toBe(expected);
  });

  it('refuses to encode a placeholder', () => {
    expect(() => encodePosition(at(MAX_UINT64, MAX_UINT64))).toThrow(RangeError);
  });
});
