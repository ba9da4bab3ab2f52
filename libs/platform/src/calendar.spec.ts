import { isCalendarDate, isStorableInstant } from './calendar';

describe('isCalendarDate', () => {
  it.each([
    ['2024-02-29', true],
    ['2023-02-29', false],
    ['2024-02-30', false],
    ['1900-02-29', false],
    ['2000-02-29', true],
    ['0000-01-01', false],
    ['0001-01-01', true],
    ['2024-13-01', false],
    ['2024-00-10', false],
    ['2024-01-00', false],
    ['2024-1-01', false],
  ])('%s → %s', (text, valid) => expect(isCalendarDate(text)).toBe(valid));
});

describe('isStorableInstant', () => {
  it.each([
    ['2024-02-01T00:00Z', true],
    ['2024-02-01T10:20:30.123456+08:00', true],
    ['2024-02-01 10:20:30.5+08', true],
    ['2024-02-01T00:00+15:59', true],
    ['2024-02-01T00:00+23:59', false],
    ['2024-02-01T00:00-16:00', false],
    ['2024-02-30T00:00Z', false],
    ['0000-01-01T00:00Z', false],
    ['2024-02-01T24:00Z', false],
    ['2024-02-01T00:00', false],
    ['2024-02-01', false],
  ])('%s → %s', (text, valid) => expect(isStorableInstant(text)).toBe(valid));
});
