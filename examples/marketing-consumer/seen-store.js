'use strict';

const fs = require('node:fs');

/**
 * The messageIds this consumer has acted on, kept in a JSON-lines file so that a restart followed
 * by a redelivery (Kafka is at-least-once) does not act twice. Each record is fsynced before the
 * offset is committed.
 *
 * One file per consumer instance is enough for a single instance. With several instances in one
 * group, partitions move between them on rebalance: keep the ids in a shared store instead (a
 * table with a unique messageId, written in the same transaction as your side effect).
 */
function openSeenStore(file) {
  const ids = new Set();
  let text = '';
  if (fs.existsSync(file)) text = fs.readFileSync(file, 'utf8');
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      const record = JSON.parse(line);
      if (record && typeof record.messageId === 'string') ids.add(record.messageId);
    } catch {
      // A line torn by a crash in mid-write: that message was not recorded, so it is handled again.
    }
  }
  const fd = fs.openSync(file, 'a');
  // Start on a fresh line after a torn one, so the next record stays readable.
  if (text.length > 0 && !text.endsWith('\n')) fs.writeSync(fd, '\n');

  return {
    has: (messageId) => ids.has(messageId),
    /** Appends and fsyncs one record; returns once it is on disk. */
    add(messageId, details = {}) {
      fs.writeSync(fd, `${JSON.stringify({ messageId, ...details, recordedAt: new Date().toISOString() })}\n`);
      fs.fsyncSync(fd);
      ids.add(messageId);
    },
    size: () => ids.size,
    close: () => fs.closeSync(fd),
  };
}

module.exports = { openSeenStore };
