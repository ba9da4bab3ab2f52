import type { Position } from '@eventstore/db-client';

/**
 * EventStoreDB log positions as the port's opaque strings: `<commit>-<prepare>`, each zero-padded
 * to 20 digits (the width of an unsigned 64-bit number), so the strings sort in log order. The
 * strict width also keeps a PostgreSQL adapter position (`<xid>-<sequence>`) from being mistaken
 * for one of ours.
 */
export const MAX_UINT64 = (1n << 64n) - 1n;

const WIDTH = 20;
const FORMAT = /^(\d{20})-(\d{20})$/;

export class InvalidPositionError extends RangeError {
  constructor(readonly text: string) {
    super(`not an EventStoreDB event store position: ${JSON.stringify(text)}`);
    this.name = 'InvalidPositionError';
  }
}

export function encodePosition(position: Position): string {
  const { commit, prepare } = position;
  if (!isLogPosition(position)) throw new RangeError(`not a log position: ${commit}/${prepare}`);
  return `${pad(commit)}-${pad(prepare)}`;
}

export function decodePosition(text: string): Position {
  const match = FORMAT.exec(text);
  if (!match) throw new InvalidPositionError(text);
  const position = { commit: BigInt(match[1]), prepare: BigInt(match[2]) };
  if (!isLogPosition(position)) throw new InvalidPositionError(text);
  return position;
}

/** Log order: by commit position, then prepare position. */
export function comparePositions(a: Position, b: Position): -1 | 0 | 1 {
  if (a.commit !== b.commit) return a.commit < b.commit ? -1 : 1;
  if (a.prepare !== b.prepare) return a.prepare < b.prepare ? -1 : 1;
  return 0;
}

/**
 * False for the placeholders servers send when they do not know an event's place in `$all`
 * (stream reads before EventStoreDB 22.6 answer 2^64 - 1) and for values outside 0..2^64-2.
 */
export function isLogPosition(position: Position | undefined): position is Position {
  if (position === undefined) return false;
  return [position.commit, position.prepare].every((part) => part >= 0n && part < MAX_UINT64);
}

function pad(part: bigint): string {
  return part.toString(10).padStart(WIDTH, '0');
}
