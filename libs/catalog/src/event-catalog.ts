import { CartItemAdded, CartItemRemoved, PageViewed, ProductViewed, SearchPerformed } from './browsing-events';
import {
  AddressRemoved,
  AddressSaved,
  ConsentChanged,
  CustomerRegistered,
  CustomerTagged,
  CustomerUntagged,
  IdentityLinked,
  MembershipTierChanged,
  ProfileUpdated,
} from './customer-events';
import { OrderCancelled, OrderDelivered, OrderPaid, OrderPlaced, OrderRefunded, OrderShipped } from './order-events';
import {
  CareMessageSent,
  ComplaintFiled,
  ComplaintResolved,
  ReferralRewarded,
  ServiceChatEnded,
  ServiceChatStarted,
  SurveyAnswered,
} from './service-events';

/** Every event type Tessera accepts, with the class that validates its `data` (DESIGN §3). */
export const EVENT_CATALOG = {
  CustomerRegistered,
  ProfileUpdated,
  AddressSaved,
  AddressRemoved,
  ConsentChanged,
  CustomerTagged,
  CustomerUntagged,
  MembershipTierChanged,
  IdentityLinked,
  OrderPlaced,
  OrderPaid,
  OrderShipped,
  OrderDelivered,
  OrderCancelled,
  OrderRefunded,
  PageViewed,
  ProductViewed,
  SearchPerformed,
  CartItemAdded,
  CartItemRemoved,
  ServiceChatStarted,
  ServiceChatEnded,
  ComplaintFiled,
  ComplaintResolved,
  SurveyAnswered,
  CareMessageSent,
  ReferralRewarded,
} as const;

export type EventType = keyof typeof EVENT_CATALOG;
export type EventData<T extends EventType> = InstanceType<(typeof EVENT_CATALOG)[T]>;

export const EVENT_TYPES = Object.keys(EVENT_CATALOG) as EventType[];

export function isEventType(type: unknown): type is EventType {
  return typeof type === 'string' && Object.prototype.hasOwnProperty.call(EVENT_CATALOG, type);
}

export const CHANNELS = ['web', 'app', 'mini_program', 'store', 'call_center', 'social', 'email', 'sms', 'other'] as const;
export type Channel = (typeof CHANNELS)[number];

/** One stream per customer (DESIGN §2). */
export function customerStream(customerId: string): string {
  return `customer-${customerId}`;
}

export function customerIdOf(streamId: string): string {
  return streamId.slice('customer-'.length);
}
