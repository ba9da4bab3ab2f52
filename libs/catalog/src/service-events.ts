import { IsBoolean, IsInt, Max, Min, ValidateBy, ValidationArguments } from 'class-validator';
import { BusinessId, OneOf, Optional, Slug, Text } from './field-rules';
import { Personal } from './personal-data';

/** Service, feedback and care events (DESIGN §3). */
export class ServiceChatStarted {
  @BusinessId()
  chatId!: string;

  @Optional() @Text(1, 100) @Personal('freeText')
  topic?: string;
}

export class ServiceChatEnded {
  @BusinessId()
  chatId!: string;

  @IsBoolean()
  resolved!: boolean;

  @Optional() @IsInt() @Min(0) @Max(7 * 24 * 3600)
  durationSeconds?: number;
}

export const SEVERITIES = ['low', 'medium', 'high'] as const;

export class ComplaintFiled {
  @BusinessId()
  complaintId!: string;

  @Slug()
  category!: string;

  @OneOf(SEVERITIES)
  severity!: (typeof SEVERITIES)[number];

  @Optional() @BusinessId()
  orderId?: string;

  @Optional() @Text(1, 5000) @Personal('freeText')
  description?: string;
}

export class ComplaintResolved {
  @BusinessId()
  complaintId!: string;

  @Optional() @Text(1, 2000) @Personal('freeText')
  resolution?: string;

  @Optional() @Text(1, 200) @Personal('freeText')
  compensation?: string;
}

export const SURVEY_KINDS = ['CSAT', 'NPS'] as const;
export const SURVEY_SUBJECTS = ['order', 'chat', 'complaint'] as const;

const SCORE_RANGES: Record<(typeof SURVEY_KINDS)[number], [number, number]> = { CSAT: [1, 5], NPS: [0, 10] };

/** CSAT 1–5, NPS 0–10. */
function ScoreForKind(): PropertyDecorator {
  const rangeOf = (args: ValidationArguments) => SCORE_RANGES[(args.object as SurveyAnswered).kind];
  return ValidateBy({
    name: 'scoreForKind',
    validator: {
      validate: (score: unknown, args) => {
        const range = args && rangeOf(args);
        return !range || (typeof score === 'number' && score >= range[0] && score <= range[1]);
      },
      defaultMessage: (args) => {
        const [min, max] = rangeOf(args as ValidationArguments);
        return `score must be ${min}–${max} for a ${(args?.object as SurveyAnswered).kind} survey`;
      },
    },
  });
}

export class SurveyAnswered {
  @BusinessId()
  surveyId!: string;

  @OneOf(SURVEY_KINDS)
  kind!: (typeof SURVEY_KINDS)[number];

  @IsInt() @ScoreForKind()
  score!: number;

  @Optional() @Text(1, 2000) @Personal('freeText')
  comment?: string;

  @Optional() @OneOf(SURVEY_SUBJECTS)
  subject?: (typeof SURVEY_SUBJECTS)[number];

  @Optional() @BusinessId()
  subjectId?: string;
}

export const CARE_KINDS = ['birthday', 'holiday', 'coupon', 'winback', 'other'] as const;

export class CareMessageSent {
  @OneOf(CARE_KINDS)
  kind!: (typeof CARE_KINDS)[number];

  @Optional() @BusinessId()
  campaignId?: string;
}

export class ReferralRewarded {
  @BusinessId()
  referredCustomerId!: string;

  @Optional() @Text(1, 200) @Personal('freeText')
  reward?: string;
}
