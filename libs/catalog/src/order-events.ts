import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsInt, Max, Min, ValidateNested } from 'class-validator';
import { BusinessId, Currency, MinorUnits, Optional, Slug, Text } from './field-rules';
import { Personal } from './personal-data';

/** Order events (DESIGN §3, §11): money in minor units of the deployment's base currency. */
export class OrderItem {
  @Text(1, 64)
  sku!: string;

  @Optional() @Text(1, 200)
  name?: string;

  @Slug()
  category!: string;

  @IsInt() @Min(1) @Max(100_000)
  quantity!: number;

  @MinorUnits()
  unitPrice!: number;
}

export class OrderPlaced {
  @BusinessId()
  orderId!: string;

  @IsArray() @ArrayMinSize(1) @ArrayMaxSize(500) @ValidateNested({ each: true }) @Type(() => OrderItem)
  items!: OrderItem[];

  @MinorUnits()
  total!: number;

  @Currency()
  currency!: string;
}

export class OrderPaid {
  @BusinessId()
  orderId!: string;

  @MinorUnits()
  amount!: number;

  @Currency()
  currency!: string;

  @Optional() @Text(1, 50)
  method?: string;
}

export class OrderShipped {
  @BusinessId()
  orderId!: string;

  @Optional() @Text(1, 100)
  carrier?: string;

  @Optional() @Text(1, 100) @Personal('identifier')
  trackingNumber?: string;
}

export class OrderDelivered {
  @BusinessId()
  orderId!: string;
}

export class OrderCancelled {
  @BusinessId()
  orderId!: string;

  @Optional() @Text(1, 500) @Personal('freeText')
  reason?: string;
}

export class OrderRefunded {
  @BusinessId()
  orderId!: string;

  @MinorUnits()
  amount!: number;

  @Currency()
  currency!: string;

  @Optional() @Text(1, 500) @Personal('freeText')
  reason?: string;
}
