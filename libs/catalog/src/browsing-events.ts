import { IsInt, Max, Min } from 'class-validator';
import { MinorUnits, Optional, Slug, Text } from './field-rules';
import { Personal } from './personal-data';

/** Browsing events (DESIGN §3). */
export class PageViewed {
  @Text(1, 2048) @Personal('url')
  url!: string;

  @Optional() @Text(1, 2048) @Personal('url')
  referrer?: string;
}

export class ProductViewed {
  @Text(1, 64)
  sku!: string;

  @Slug()
  category!: string;

  @Optional() @MinorUnits()
  price?: number;
}

export class SearchPerformed {
  @Text(1, 200) @Personal('freeText')
  query!: string;

  @Optional() @IsInt() @Min(0) @Max(1_000_000_000)
  resultCount?: number;
}

export class CartItemAdded {
  @Text(1, 64)
  sku!: string;

  @Slug()
  category!: string;

  @IsInt() @Min(1) @Max(100_000)
  quantity!: number;

  @Optional() @MinorUnits()
  unitPrice?: number;
}

export class CartItemRemoved {
  @Text(1, 64)
  sku!: string;
}
