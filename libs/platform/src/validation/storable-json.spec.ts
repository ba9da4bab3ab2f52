import { checkStorableJson, isStorableText } from './storable-json';

describe('isStorableText', () => {
  it.each([
    ['plain', true],
    ['张伟 😀', true],
    ['', true],
    ['a\u0000b', false],
    ['\ud800', false],
    ['x\udc00', false],
    ['\ud83d\ude00\ud83d', false],
    ['\ude00\ud83d', false],
  ])('%j → %s', (text, storable) => {
    expect(isStorableText(text)).toBe(storable);
  });
});

describe('checkStorableJson', () => {
  it('accepts ordinary bodies', () => {
    expect(checkStorableJson({ events: [{ data: { name: '张伟', n: 1.5, ok: true, none: null, list: [1, 'a'] } }] })).toEqual([]);
  });

  it('names every bad string, key and number with its pointer', () => {
    expect(checkStorableJson({ a: ['ok', 'x\u0000'], 'k/\u0000': 1, n: Infinity, s: '\ud800' }, '/body')).toEqual([
      { pointer: '/body/a/1', rule: 'storableText', message: expect.stringContaining('NUL') },
      { pointer: '/body/k~1\u0000', rule: 'storableText', message: expect.stringContaining('key') },
      { pointer: '/body/n', rule: 'finiteNumber', message: expect.any(String) },
      { pointer: '/body/s', rule: 'storableText', message: expect.any(String) },
    ]);
  });

  it('stops at the depth limit without overflowing the stack', () => {
    let deep: unknown = [];
    for (let i = 0; i < 100_000; i += 1) deep = [deep];
    expect(checkStorableJson({ x: deep }, '', 4)).toEqual([{ pointer: '/x/0/0/0', rule: 'maxDepth', message: expect.any(String) }]);
    expect(checkStorableJson([[[[]]]], '', 4)).toEqual([]);
  });

  it('reports at most 50 errors', () => {
    expect(checkStorableJson(Array.from({ length: 500 }, () => '\u0000'))).toHaveLength(50);
  });
});
