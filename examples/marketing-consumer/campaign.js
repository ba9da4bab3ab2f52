'use strict';

/**
 * What a marketing team does with Tessera's messages: pure functions, no Kafka, no I/O, so the
 * rules can be read (and tested) on their own. Change CAMPAIGNS to fit your campaigns.
 */

/** Campaigns started when a customer enters a segment, first match wins. */
const CAMPAIGNS = [
  { matches: (segmentId) => segmentId === 'birthday-this-week' || segmentId.startsWith('birthday-'), campaign: 'birthday-coupon', channel: 'email', what: 'birthday coupon' },
  { matches: (segmentId) => segmentId === 'stage:at_risk', campaign: 'win-back-offer', channel: 'sms', what: 'win-back offer' },
  { matches: (segmentId) => segmentId === 'value:high', campaign: 'vip-invitation', channel: 'email', what: 'VIP programme invitation' },
];

/** Campaigns started by a lifecycle stage change (lifecycle-stage topic), by the new stage. */
const STAGE_CAMPAIGNS = {
  loyal: { campaign: 'loyalty-thank-you', channel: 'email', what: 'loyalty thank-you gift' },
};

/** The consent flag (in `traits.consent`) each channel needs: PIPL/GDPR opt-in. */
const CONSENT_FLAG = { email: 'marketingEmail', sms: 'marketingSms', push: 'marketingPush' };

/** Built-in consent segments: leaving one means the customer withdrew consent for that channel. */
const CONSENT_SEGMENT_CHANNEL = { 'consent:marketing-email': 'email', 'consent:marketing-sms': 'sms', 'consent:marketing-push': 'push' };

function hasConsent(message, channel) {
  const consent = message.traits && message.traits.consent;
  return Boolean(consent) && consent[CONSENT_FLAG[channel]] === true;
}

/** Contact the customer only with consent for the channel; otherwise a skip. */
function contact(message, plan, context) {
  const base = { channel: plan.channel, campaign: plan.campaign, customerId: message.customerId, messageId: message.messageId, ...context };
  if (!hasConsent(message, plan.channel)) {
    return { action: 'skip', ...base, reason: 'no-consent', text: `skip ${message.customerId}: no marketing consent for ${plan.channel}` };
  }
  return { action: 'send', ...base, text: `send ${plan.what} to ${message.customerId} by ${plan.channel}` };
}

/** The decision for one segment-membership message (docs/schemas/segment-membership.v1.schema.json). */
function decideMembership(message) {
  const ids = { customerId: message.customerId, messageId: message.messageId, segmentId: message.segmentId };
  const withdrawn = CONSENT_SEGMENT_CHANNEL[message.segmentId];
  if (withdrawn && message.kind === 'exited') {
    return { action: 'stop', channel: withdrawn, campaign: '*', ...ids, reason: 'consent-withdrawn', text: `stop every ${withdrawn} campaign for ${message.customerId}: consent withdrawn` };
  }
  const plan = CAMPAIGNS.find((c) => c.matches(message.segmentId));
  if (!plan) return { action: 'ignore', ...ids, reason: 'no-campaign' };
  if (message.kind === 'exited') {
    return { action: 'stop', channel: plan.channel, campaign: plan.campaign, ...ids, text: `stop campaign ${plan.campaign} for ${message.customerId}` };
  }
  return contact(message, plan, { segmentId: message.segmentId });
}

/** The decision for one lifecycle-stage message (docs/schemas/lifecycle-stage.v1.schema.json). */
function decideStage(message) {
  const plan = STAGE_CAMPAIGNS[message.to];
  if (!plan) return { action: 'ignore', customerId: message.customerId, messageId: message.messageId, stage: message.to, reason: 'no-campaign' };
  return contact(message, plan, { stage: message.to });
}

/** Routes by topic name: `<prefix>segment-membership.v1` or `<prefix>lifecycle-stage.v1`. */
function decide(topic, message) {
  if (topic.endsWith('segment-membership.v1')) return decideMembership(message);
  if (topic.endsWith('lifecycle-stage.v1')) return decideStage(message);
  return { action: 'ignore', customerId: message.customerId, messageId: message.messageId, reason: 'unknown-topic' };
}

module.exports = { decide, CAMPAIGNS, STAGE_CAMPAIGNS, CONSENT_FLAG };
