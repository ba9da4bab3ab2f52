import { randomUUID } from 'node:crypto';
import { customerStream } from '@tessera/catalog';
import { anyRevision, NewEvent, StreamAppend } from '@tessera/event-store';
import { contentHash } from '@tessera/ingestion';

export type ScenarioEvent = { type: string; customerId: string; occurredAt: string; channel: string; data: Record<string, unknown>; eventId?: string };

/** A stored-event shape for tests that append straight to the event store (no HTTP). */
export function toNewEvent(e: ScenarioEvent): NewEvent {
  const eventId = e.eventId ?? randomUUID();
  const base = { eventId, type: e.type, occurredAt: e.occurredAt, channel: e.channel, data: e.data, metadata: {} };
  return { ...base, contentHash: contentHash({ ...base, customerId: e.customerId } as never) };
}

export function appendsOf(events: readonly ScenarioEvent[]): StreamAppend[] {
  return events.map((e) => ({ streamId: customerStream(e.customerId), expectedRevision: anyRevision, events: [toNewEvent(e)] }));
}

const DAY = 86_400_000;
export const daysAgo = (now: number, days: number, hours = 0) => new Date(now - days * DAY - hours * 3_600_000).toISOString();

/**
 * One customer's varied history (relative to `now`): registration, profile changes, three
 * orders (one cancelled before it was placed in arrival order, one partly refunded), browsing,
 * a chat, a complaint and surveys — 20 events.
 */
export function customerHistory(customerId: string, now: number): ScenarioEvent[] {
  const at = (days: number, hours = 0) => daysAgo(now, days, hours);
  const e = (type: string, occurredAt: string, data: Record<string, unknown>, channel = 'app'): ScenarioEvent => ({ type, customerId, occurredAt, channel, data });
  const item = (category: string, unitPrice: number, quantity = 1) => ({ sku: `${category}-1`, category, quantity, unitPrice });
  return [
    e('CustomerRegistered', at(400), { name: '王芳', phone: '+8613912345678', email: 'wf@example.cn', birthDate: '1988-03-15' }),
    e('AddressSaved', at(399), { addressId: 'home', province: '江苏省', city: '南京市', district: '鼓楼区', line1: '中山路1号', isDefault: true }),
    e('ConsentChanged', at(398), { marketingEmail: true, marketingSms: false }),
    e('OrderCancelled', at(49), { orderId: 'o-3', reason: 'changed mind' }, 'web'),
    e('OrderPlaced', at(300), { orderId: 'o-1', items: [item('books', 4_500, 2)], total: 9_000, currency: 'CNY' }, 'web'),
    e('OrderPaid', at(300, -1), { orderId: 'o-1', amount: 9_000, currency: 'CNY' }, 'web'),
    e('OrderPlaced', at(60), { orderId: 'o-2', items: [item('digital', 250_000)], total: 250_000, currency: 'CNY' }),
    e('OrderShipped', at(59), { orderId: 'o-2', carrier: 'SF' }),
    e('OrderDelivered', at(57), { orderId: 'o-2' }),
    e('OrderRefunded', at(55), { orderId: 'o-2', amount: 50_000, currency: 'CNY' }),
    e('OrderPlaced', at(50), { orderId: 'o-3', items: [item('household', 30_000)], total: 30_000, currency: 'CNY' }),
    e('ProductViewed', at(5), { sku: 'b-2', category: 'beauty' }, 'mini_program'),
    e('ProductViewed', at(4), { sku: 'b-3', category: 'beauty' }, 'mini_program'),
    e('CartItemAdded', at(3), { sku: 'b-3', category: 'beauty', quantity: 1 }, 'mini_program'),
    e('ServiceChatStarted', at(20), { chatId: 'chat-1', topic: 'delivery' }, 'call_center'),
    e('ServiceChatEnded', at(20, -1), { chatId: 'chat-1', resolved: true }, 'call_center'),
    e('ComplaintFiled', at(56), { complaintId: 'cp-1', category: 'delivery', severity: 'medium', orderId: 'o-2' }, 'call_center'),
    e('ComplaintResolved', at(56, -30), { complaintId: 'cp-1', resolution: 'refund' }, 'call_center'),
    e('SurveyAnswered', at(19), { surveyId: 'sv-1', kind: 'CSAT', score: 4, subject: 'chat', subjectId: 'chat-1' }),
    e('CareMessageSent', at(2), { kind: 'coupon' }, 'sms'),
  ];
}
