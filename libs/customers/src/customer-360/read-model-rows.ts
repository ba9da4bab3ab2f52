import { ChatFacts, ComplaintFacts, OrderFacts, Reg, SurveyFact } from './customer-state';
import { Transition } from './lifecycle';
import { orderStatus, refundCounted, statusHistory } from './orders';
import { resolutionHours } from './satisfaction';
import { dayOf } from '@tessera/platform';
import { iso } from './time';

/** The rows the projector writes, derived from the folded state (pure). */

export function orderRow(customerId: string, orderId: string, order: OrderFacts) {
  return {
    customer_id: customerId,
    order_id: orderId,
    status: orderStatus(order),
    total: order.placed?.v.total ?? null,
    currency: order.placed?.v.currency ?? null,
    refunded: refundCounted(order),
    items: order.placed?.v.items ?? [],
    history: statusHistory(order).map((change) => ({ ...change, at: iso(change.at) })),
    channel: order.placed?.v.channel ?? null,
    placed_at: iso(order.placed?.at),
  };
}

export function surveyRow(customerId: string, key: string, survey: Reg<SurveyFact>, timeZone: string) {
  return { customer_id: customerId, survey_key: key, kind: survey.v.kind, score: survey.v.score, channel: survey.v.channel, answered_at: iso(survey.at), day: dayOf(survey.at, timeZone) };
}

export function complaintRow(customerId: string, complaintId: string, complaint: ComplaintFacts, timeZone: string) {
  const { filed, resolved } = complaint;
  return {
    customer_id: customerId,
    complaint_id: complaintId,
    category: filed?.v.category ?? null,
    severity: filed?.v.severity ?? null,
    filed_at: iso(filed?.at),
    filed_channel: filed?.v.channel ?? null,
    filed_day: filed ? dayOf(filed.at, timeZone) : null,
    resolved_at: iso(resolved?.at),
    resolved_channel: resolved?.v.channel ?? null,
    resolved_day: resolved ? dayOf(resolved.at, timeZone) : null,
    resolution_hours: resolutionHours(complaint),
  };
}

export function chatRow(customerId: string, chatId: string, chat: ChatFacts, timeZone: string) {
  const { started, ended } = chat;
  return {
    customer_id: customerId,
    chat_id: chatId,
    started_at: iso(started?.at),
    started_channel: started?.v.channel ?? null,
    started_day: started ? dayOf(started.at, timeZone) : null,
    ended_at: iso(ended?.at),
    ended_channel: ended?.v.channel ?? null,
    ended_day: ended ? dayOf(ended.at, timeZone) : null,
    resolved: ended ? ended.v.resolved : null,
  };
}

export function transitionRows(customerId: string, transitions: readonly Transition[]) {
  return transitions.map((t, seq) => ({ customer_id: customerId, seq, from_stage: t.from, to_stage: t.to, at: iso(t.at), cause: t.cause }));
}
