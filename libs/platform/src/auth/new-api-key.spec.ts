import { checkNewApiKey } from './new-api-key';

describe('checkNewApiKey', () => {
  it('accepts {name, scopes}, trimming the name and dropping repeated scopes', () => {
    expect(checkNewApiKey({ name: ' ci ', scopes: ['events:write', 'events:write'] })).toEqual({ ok: true, input: { name: 'ci', scopes: ['events:write'] } });
  });

  it.each([
    ['an unknown field', { name: 'ci', scopes: ['admin'], expiresAt: 'x' }, ['/expiresAt unknownField']],
    ['a field with / in its name', { name: 'ci', scopes: ['admin'], 'a/b': 1 }, ['/a~1b unknownField']],
    ['every problem at once', { extra: 1, name: '', scopes: ['root'] }, ['/extra unknownField', '/name isLength', '/scopes isIn']],
    ['no scopes', { name: 'ci', scopes: [] }, ['/scopes isIn']],
    ['not an object', ['ci'], [' isObject']],
    ['no body', undefined, [' isObject']],
  ])('refuses %s', (_case, body, expected) => {
    const checked = checkNewApiKey(body);
    expect(checked.ok ? [] : checked.errors.map((e) => `${e.pointer} ${e.rule}`)).toEqual(expected);
  });
});
