import type { Channel, EventType } from '@tessera/catalog';
import { isoShanghai } from './clock';
import { Random } from './random';

/** The JSON body `POST /v1/events` accepts (DESIGN §2). */
export type EventBody = {
  eventId: string;
  type: EventType;
  customerId: string;
  occurredAt: string;
  channel: Channel;
  data: Record<string, unknown>;
  metadata?: { source?: string; correlationId?: string; causationId?: string };
};

/** A fact before it gets an id and its place in the delivery order. */
export type Draft = { at: number; type: EventType; channel: Channel; data: Record<string, unknown>; source: string };

/** Collects one customer's facts; anything after `now` has not happened yet and is dropped. */
export class History {
  readonly drafts: Draft[] = [];

  constructor(readonly now: number) {}

  add(type: EventType, at: number, channel: Channel, data: Record<string, unknown>, source: string): boolean {
    if (at > this.now) return false;
    this.drafts.push({ at, type, channel, data, source });
    return true;
  }

  get size(): number {
    return this.drafts.length;
  }
}

export type DeliveryOptions = { lateShare: number; resendShare: number };

const BUSINESS_KEYS = ['orderId', 'complaintId', 'chatId', 'surveyId'] as const;

/**
 * The order upstream systems deliver a customer's facts in: chronological, except that about
 * `lateShare` of them arrive 1–12 places late (so an OrderShipped may come before its
 * OrderPlaced), and about `resendShare` of the facts that carry a business key are sent again
 * later under a new eventId with the same content.
 */
export function deliveryOrder(rng: Random, customerId: string, drafts: readonly Draft[], options: DeliveryOptions): EventBody[] {
  const chronological = [...drafts].sort((a, b) => a.at - b.at);
  const slots: { key: number; body: EventBody }[] = [];
  chronological.forEach((draft, i) => {
    const body: EventBody = {
      eventId: rng.uuid(),
      type: draft.type,
      customerId,
      occurredAt: isoShanghai(draft.at),
      channel: draft.channel,
      data: draft.data,
      metadata: { source: draft.source },
    };
    slots.push({ key: rng.chance(options.lateShare) ? i + rng.float(1.5, 12.5) : i, body });
    if (BUSINESS_KEYS.some((key) => key in draft.data) && rng.chance(options.resendShare)) {
      const resent: EventBody = { ...body, eventId: rng.uuid(), metadata: { source: `${draft.source}-resend` } };
      slots.push({ key: i + rng.float(0.5, 30), body: resent });
    }
  });
  return slots.sort((a, b) => a.key - b.key).map((slot) => slot.body);
}
