/** A PostgreSQL log position: the writing transaction's id (xid8) and the global sequence value. */
export type PostgresPosition = { transactionId: string; globalPosition: string };

export const START: PostgresPosition = { transactionId: '0', globalPosition: '0' };

const FORMAT = /^(\d{1,20})-(\d{1,19})$/;

export function encodePosition(position: PostgresPosition): string {
  return `${position.transactionId}-${position.globalPosition}`;
}

export function decodePosition(text: string): PostgresPosition {
  const match = FORMAT.exec(text);
  if (!match) throw new RangeError(`not a PostgreSQL event store position: ${JSON.stringify(text)}`);
  return { transactionId: match[1], globalPosition: match[2] };
}
