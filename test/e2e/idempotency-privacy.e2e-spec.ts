import { randomUUID } from 'node:crypto';
import { TestDatabase, createTestDatabase } from '../support/database';
import { Answer, TestApp, call, startTestApp } from '../support/test-app';


const PHONE = '+8613912344321';

const registered = (customerId: string, phone: string, eventId = randomUUID()) => ({
  eventId,
  type: 'CustomerRegistered',
  customerId,
  occurredAt: '2026-11-20T10:00:00+08:00',
  channel: 'app',
  data: { name: '欧阳娜娜', phone },
});

/**
 * Idempotency answers are not an oracle (docs/privacy.md): a key that did not write an eventId and
 * may not read personal data learns nothing about its content by re-sending it with guesses.
 */
describe('idempotency answers keep masked data masked', () => {
  let database: TestDatabase;
  let app: TestApp;
  let writerKey: string;
  let otherWriterKey: string;
  let piiWriterKey: string;
  const post = (path: string, body: unknown, key: string) => call(app.url, 'POST', path, { body, key });
  const key = async (scopes: string[]) => (await call(app.url, 'POST', '/v1/api-keys', { body: { name: scopes.join('+'), scopes } })).body.key as string;
  const withoutPhone = (answer: Answer) => expect(JSON.stringify(answer.body)).not.toContain('4321');

  beforeAll(async () => {
    database = await createTestDatabase('e2e_idempotency_privacy');
    app = await startTestApp(database.url);
    writerKey = await key(['events:write']);
    otherWriterKey = await key(['events:write', 'profiles:read']);
    piiWriterKey = await key(['events:write', 'pii:read']);
  });
  afterAll(async () => {
    await app?.close();
    await database?.drop();
  });

  it('answers another key without pii:read the same 409 for a right and a wrong guess', async () => {
    const stored = registered(`c-${randomUUID()}`, PHONE);
    expect((await post('/v1/events', stored, writerKey)).status).toBe(202);
    const wrong = await post('/v1/events', { ...stored, data: { ...stored.data, phone: '+8613912340000' } }, otherWriterKey);
    const right = await post('/v1/events', stored, otherWriterKey);
    expect(right.status).toBe(409);
    expect(wrong.status).toBe(409);
    expect(right.body).toEqual(wrong.body);
    expect(right.body.errors).toEqual([expect.objectContaining({ pointer: '/eventId', rule: 'eventIdTaken' })]);
    withoutPhone(right);
  });

  it('keeps the original writer idempotent: same content is a duplicate, other content a 409 without stored content', async () => {
    const stored = registered(`c-${randomUUID()}`, PHONE);
    const first = await post('/v1/events', stored, writerKey);
    const again = await post('/v1/events', stored, writerKey);
    expect(again.status).toBe(202);
    expect(again.body).toEqual({ ...first.body, duplicate: true });
    const changed = await post('/v1/events', { ...stored, data: { ...stored.data, phone: '+8613912340000' } }, writerKey);
    expect(changed.status).toBe(409);
    expect(changed.body.errors).toEqual([expect.objectContaining({ pointer: '/eventId', rule: 'idempotency' })]);
    withoutPhone(changed);
  });

  it('lets a key with pii:read compare content with an event another key wrote', async () => {
    const stored = registered(`c-${randomUUID()}`, PHONE);
    const first = await post('/v1/events', stored, writerKey);
    expect((await post('/v1/events', stored, piiWriterKey)).body).toEqual({ ...first.body, duplicate: true });
    const changed = await post('/v1/events', { ...stored, data: { ...stored.data, phone: '+8613912340000' } }, piiWriterKey);
    expect(changed.body.errors).toEqual([expect.objectContaining({ rule: 'idempotency' })]);
  });

  it('refuses a whole batch naming another writer\'s eventId, whatever its content, storing nothing', async () => {
    const stored = registered(`c-${randomUUID()}`, PHONE);
    await post('/v1/events', stored, writerKey);
    const fresh = registered(`c-${randomUUID()}`, '+8613700000000');
    const guesses = [stored, { ...stored, data: { ...stored.data, phone: '+8613912340000' } }];
    const answers = await Promise.all(guesses.map((guess) => post('/v1/events/batch', { events: [fresh, guess] }, otherWriterKey)));
    for (const answer of answers) {
      expect(answer.status).toBe(409);
      expect(answer.body.errors).toEqual([expect.objectContaining({ index: 1, pointer: '/eventId', rule: 'eventIdTaken' })]);
      withoutPhone(answer);
    }
    expect(answers[0].body).toEqual(answers[1].body);
    const freshAlone = await post('/v1/events/batch', { events: [fresh] }, otherWriterKey);
    expect(freshAlone.body.results).toEqual([expect.objectContaining({ eventId: fresh.eventId, duplicate: false })]);
  });
});
