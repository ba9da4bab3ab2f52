import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { CustomerProfile } from './customer-profile';
import type { OrderItem } from './customer-state';
import type { TransitionCause } from './lifecycle';
import type { OrderStatus } from './orders';

/**
 * The customer 360 read models as TypeORM entities (schema `customer_360`, created by
 * migrations/1764000000200-customer-360.ts; the projector writes them with set-based SQL).
 */
@Entity({ schema: 'customer_360', name: 'customers' })
export class CustomerRecord {
  @PrimaryColumn({ name: 'customer_id', type: 'text' }) customerId!: string;
  @Column({ type: 'json' }) profile!: CustomerProfile;
  @Column({ name: 'lifecycle_stage', type: 'text' }) lifecycleStage!: string;
  @Column({ name: 'value_tier', type: 'text' }) valueTier!: string;
  @Column({ name: 'membership_tier', type: 'text', nullable: true }) membershipTier!: string | null;
  @Column({ type: 'text', array: true }) tags!: string[];
  @Column({ type: 'text', array: true }) interests!: string[];
  @Column({ type: 'text', array: true }) segments!: string[];
  @Column({ name: 'net_spend_365d', type: 'bigint' }) netSpend365d!: string;
  @Column({ name: 'last_seen_at', type: 'timestamptz', nullable: true }) lastSeenAt!: Date | null;
  @Column({ name: 'next_review_at', type: 'timestamptz', nullable: true }) nextReviewAt!: Date | null;
  @Column({ name: 'updated_at', type: 'timestamptz' }) updatedAt!: Date;
}

export type StatusChangeView = { status: string; at: string; amount?: number; reason?: string };

@Entity({ schema: 'customer_360', name: 'orders' })
export class OrderRecord {
  @PrimaryColumn({ name: 'customer_id', type: 'text' }) customerId!: string;
  @PrimaryColumn({ name: 'order_id', type: 'text' }) orderId!: string;
  @Column({ type: 'text' }) status!: OrderStatus;
  @Column({ type: 'bigint', nullable: true }) total!: string | null;
  @Column({ type: 'text', nullable: true }) currency!: string | null;
  @Column({ type: 'bigint' }) refunded!: string;
  @Column({ type: 'jsonb' }) items!: OrderItem[];
  @Column({ type: 'jsonb' }) history!: StatusChangeView[];
  @Column({ type: 'text', nullable: true }) channel!: string | null;
  @Column({ name: 'placed_at', type: 'timestamptz', nullable: true }) placedAt!: Date | null;
  @Column({ name: 'updated_at', type: 'timestamptz' }) updatedAt!: Date;
}

@Entity({ schema: 'customer_360', name: 'lifecycle_transitions' })
export class LifecycleTransitionRecord {
  @PrimaryColumn({ name: 'customer_id', type: 'text' }) customerId!: string;
  @PrimaryColumn({ type: 'integer' }) seq!: number;
  @Column({ name: 'from_stage', type: 'text' }) fromStage!: string;
  @Column({ name: 'to_stage', type: 'text' }) toStage!: string;
  @Column({ type: 'timestamptz' }) at!: Date;
  @Column({ type: 'jsonb' }) cause!: TransitionCause;
}

export const CUSTOMER_360_ENTITIES = [CustomerRecord, OrderRecord, LifecycleTransitionRecord];
