/** The topics of DESIGN §7 under a prefix (`TESSERA_TOPIC_PREFIX`, default `tessera.`). */
export type Topics = {
  segmentMembership: string;
  lifecycleStage: string;
  ingest: string;
  ingestDlq: string;
};

export function topicsFor(prefix: string): Topics {
  return {
    segmentMembership: `${prefix}segment-membership.v1`,
    lifecycleStage: `${prefix}lifecycle-stage.v1`,
    ingest: `${prefix}ingest.v1`,
    ingestDlq: `${prefix}ingest.dlq.v1`,
  };
}

/** Every message Tessera publishes carries these headers (DESIGN §7). */
export const HEADER = { messageId: 'message-id', messageType: 'message-type', schemaVersion: 'schema-version' } as const;
