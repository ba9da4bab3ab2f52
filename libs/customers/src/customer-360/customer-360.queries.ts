import { IQueryHandler, Query, QueryHandler } from '@nestjs/cqrs';
import { AnalyticsQueries, Period } from './analytics';
import { CustomerFilter, CustomerQueries, CustomerSort, OrderView, Page, ProfileView } from './customer-queries';

/** The read side's queries (DESIGN §6), dispatched through @nestjs/cqrs's QueryBus. */

export class GetCustomerProfile extends Query<ProfileView> {
  constructor(
    readonly customerId: string,
    readonly readPersonalData: boolean,
  ) {
    super();
  }
}

export class ListCustomers extends Query<Page<ProfileView>> {
  constructor(
    readonly filter: CustomerFilter,
    readonly sort: CustomerSort,
    readonly limit: number,
    readonly cursor: string | undefined,
    readonly readPersonalData: boolean,
  ) {
    super();
  }
}

export class GetCustomerOrders extends Query<Page<OrderView>> {
  constructor(
    readonly customerId: string,
    readonly readPersonalData: boolean,
  ) {
    super();
  }
}

export class GetLifecycleAnalytics extends Query<Awaited<ReturnType<AnalyticsQueries['lifecycle']>>> {
  constructor(readonly period: Period) {
    super();
  }
}

export class GetValueTierAnalytics extends Query<Awaited<ReturnType<AnalyticsQueries['valueTiers']>>> {}

export class GetSatisfactionAnalytics extends Query<Awaited<ReturnType<AnalyticsQueries['satisfaction']>>> {
  constructor(
    readonly period: Period,
    readonly channel: string | undefined,
  ) {
    super();
  }
}

@QueryHandler(GetCustomerProfile)
export class GetCustomerProfileHandler implements IQueryHandler<GetCustomerProfile> {
  constructor(private readonly customers: CustomerQueries) {}
  execute({ customerId, readPersonalData }: GetCustomerProfile) {
    return this.customers.profile(customerId, readPersonalData);
  }
}

@QueryHandler(ListCustomers)
export class ListCustomersHandler implements IQueryHandler<ListCustomers> {
  constructor(private readonly customers: CustomerQueries) {}
  execute({ filter, sort, limit, cursor, readPersonalData }: ListCustomers) {
    return this.customers.list(filter, sort, limit, cursor, readPersonalData);
  }
}

@QueryHandler(GetCustomerOrders)
export class GetCustomerOrdersHandler implements IQueryHandler<GetCustomerOrders> {
  constructor(private readonly customers: CustomerQueries) {}
  execute({ customerId, readPersonalData }: GetCustomerOrders) {
    return this.customers.orders(customerId, readPersonalData);
  }
}

@QueryHandler(GetLifecycleAnalytics)
export class GetLifecycleAnalyticsHandler implements IQueryHandler<GetLifecycleAnalytics> {
  constructor(private readonly analytics: AnalyticsQueries) {}
  execute({ period }: GetLifecycleAnalytics) {
    return this.analytics.lifecycle(period);
  }
}

@QueryHandler(GetValueTierAnalytics)
export class GetValueTierAnalyticsHandler implements IQueryHandler<GetValueTierAnalytics> {
  constructor(private readonly analytics: AnalyticsQueries) {}
  execute() {
    return this.analytics.valueTiers();
  }
}

@QueryHandler(GetSatisfactionAnalytics)
export class GetSatisfactionAnalyticsHandler implements IQueryHandler<GetSatisfactionAnalytics> {
  constructor(private readonly analytics: AnalyticsQueries) {}
  execute({ period, channel }: GetSatisfactionAnalytics) {
    return this.analytics.satisfaction(period, channel);
  }
}

export const CUSTOMER_360_QUERY_HANDLERS = [
  GetCustomerProfileHandler,
  ListCustomersHandler,
  GetCustomerOrdersHandler,
  GetLifecycleAnalyticsHandler,
  GetValueTierAnalyticsHandler,
  GetSatisfactionAnalyticsHandler,
];
