import { OutboundMessage, ProblemDetails } from '@tessera/platform';
import { Rejection } from './ingest-messages';
import { InboundMessage } from './message-consumer';

/** The dead-letter record (DESIGN §11): the message as sent and the problem the HTTP API would answer. */
export type DeadLetterRecord = { original: unknown; problem: ProblemDetails };

/** Added to the original headers, so an operator finds the message it came from. */
export const DLQ_HEADER = {
  reason: 'dlq-reason',
  topic: 'dlq-original-topic',
  partition: 'dlq-original-partition',
  offset: 'dlq-original-offset',
} as const;

/** The DLQ message for a rejected one: same key (the customer id) and headers, plus DLQ_HEADER. */
export function deadLetter(message: InboundMessage, rejection: Rejection, dlqTopic: string): OutboundMessage {
  const record: DeadLetterRecord = { original: rejection.original, problem: rejection.problem };
  return {
    topic: dlqTopic,
    key: message.key ?? '',
    value: JSON.stringify(record),
    headers: {
      ...message.headers,
      [DLQ_HEADER.reason]: rejection.reason,
      [DLQ_HEADER.topic]: message.topic,
      [DLQ_HEADER.partition]: String(message.partition),
      [DLQ_HEADER.offset]: message.offset,
    },
  };
}
