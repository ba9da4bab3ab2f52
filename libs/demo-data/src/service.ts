import type { Channel } from '@tessera/catalog';
import { DAY, HOUR, MINUTE, SECOND, dayStamp, momentBetween, shanghaiYear, wholeSecond, workingHours } from './clock';
import { Customer, Stage } from './customer-plan';
import { History } from './history';
import { OrderFact } from './orders';
import { Random } from './random';

const CHAT_TOPICS = ['订单查询', '物流咨询', '退换货', '发票问题', '会员积分', '商品咨询', '售后维修', '优惠券使用'];
const PRE_SALES_TOPICS = ['商品咨询', '会员积分', '优惠券使用'];

/** Complaint category → [descriptions, resolutions]. */
const COMPLAINTS: Record<string, readonly [readonly string[], readonly string[]]> = {
  delivery: [['快递三天了还没到', '包裹破损，外箱压坏了', '快递员没打电话直接放驿站', '物流信息一直不更新'], ['已联系快递加急派送', '已补发新品', '已向快递公司投诉并致歉']],
  product_quality: [['收到的商品有划痕', '用了一周就坏了', '屏幕有坏点', '衣服洗一次就起球'], ['已安排换新', '已全额退款', '已安排师傅上门检测维修']],
  wrong_item: [['发错颜色了', '少发了一件', '收到的型号和下单的不一样'], ['已补发正确商品', '已补发缺件']],
  installation: [['安装师傅迟到了两个小时', '空调安装后漏水', '预约的安装一直没人来'], ['已重新安排师傅上门', '已免费维修并致歉']],
  refund: [['退款一周了还没到账', '退货后一直没退款'], ['已加急处理退款', '退款已到账，已致歉']],
  service: [['客服态度很差', '打了三次电话都没人解决', '承诺的回电一直没有'], ['已对客服进行培训并致歉', '主管已回电处理']],
  billing: [['发票抬头开错了', '被多扣了运费'], ['已重新开具发票', '已退还多扣的运费']],
};
const COMPENSATIONS = ['20元优惠券', '50元优惠券', '退还运费', '赠送积分 500', '100元购物卡'];

const COMMENTS = {
  good: ['物流很快，包装完好', '质量很好，会回购', '客服很耐心，问题解决了', '性价比高，推荐给朋友', '送货师傅很专业'],
  fair: ['还可以，送货稍慢', '一般般，价格有点贵', '商品和描述基本一致', '客服回复有点慢'],
  poor: ['等了很久没人处理', '商品有质量问题，很失望', '退款太慢了', '客服态度不好', '包装破损，体验很差'],
};

const SURVEY_CHANNELS: readonly (readonly [Channel, number])[] = [['sms', 40], ['email', 20], ['app', 25], ['mini_program', 15]];
const SERVICE_CHANNELS: readonly (readonly [Channel, number])[] = [['call_center', 40], ['app', 30], ['web', 15], ['mini_program', 15]];

type Survey = { kind: 'CSAT' | 'NPS'; score: number; subject?: 'order' | 'chat' | 'complaint'; subjectId?: string; surveyId: string };

/** Service chats, complaints about orders, and the CSAT and NPS surveys that follow them. */
export function addService(history: History, customer: Customer, orders: readonly OrderFact[]): void {
  const { rng, registeredAt, activeUntil } = customer;
  const chats = rng.weighted([[0, 70], [1, 20], [2, 7], [3, 3]] as const);
  const topics = orders.length > 0 ? CHAT_TOPICS : PRE_SALES_TOPICS;
  for (let i = 0; i < chats; i++) chat(history, customer, momentBetween(rng, registeredAt, activeUntil), rng.pick(topics), rng.weighted(SERVICE_CHANNELS));
  let complaints = 0;
  for (const order of orders) {
    const odds = order.cancelled ? (order.paidAt ? 0.05 : 0) : order.deliveredAt ? 0.035 + (order.refunded > 0 ? 0.3 : 0) : 0;
    if (rng.chance(odds)) complaint(history, customer, ++complaints, order);
    if (order.deliveredAt !== undefined && !order.cancelled && rng.chance(0.08)) {
      const at = wholeSecond(order.deliveredAt + rng.float(2, 72) * HOUR);
      answer(history, rng, at, { kind: 'CSAT', score: csatScore(rng, order.refunded === 0), subject: 'order', subjectId: order.orderId, surveyId: `SV-${order.orderId}` });
    }
  }
  if (rng.chance(0.015)) complaint(history, customer, complaints + 1, undefined);
  addNps(history, customer, orders);
}

function chat(history: History, customer: Customer, startedAt: number, topic: string, channel: Channel, escalated = false): void {
  const { rng, index } = customer;
  const chatId = `CH${dayStamp(startedAt)}-${index}-${rng.hex(6)}`;
  if (!history.add('ServiceChatStarted', startedAt, channel, { chatId, topic }, 'kefu')) return;
  const seconds = channel === 'call_center' ? rng.int(120, 900) : rng.int(60, 1800);
  const endedAt = startedAt + seconds * SECOND;
  const resolved = !escalated && rng.chance(0.78);
  if (!history.add('ServiceChatEnded', endedAt, channel, { chatId, resolved, ...(rng.chance(0.9) && { durationSeconds: seconds }) }, 'kefu')) return;
  if (!escalated && rng.chance(0.35)) {
    answer(history, rng, endedAt + rng.int(60, 7200) * SECOND, { kind: 'CSAT', score: csatScore(rng, resolved), subject: 'chat', subjectId: chatId, surveyId: `SV-${chatId}` }, channel === 'call_center' ? 'sms' : channel);
  }
}

/** Filed a little after delivery (or without an order); most are resolved hours or days later. */
function complaint(history: History, customer: Customer, sequence: number, order: OrderFact | undefined): void {
  const { rng, index, registeredAt, now } = customer;
  const after = order ? (order.deliveredAt ?? order.paidAt ?? order.placedAt) : momentBetween(rng, registeredAt, now);
  const filedAt = wholeSecond(after + rng.float(1, 120) * HOUR);
  const category = order === undefined ? rng.pick(['service', 'billing']) : complaintCategory(rng, order);
  const [descriptions, resolutions] = COMPLAINTS[category];
  const complaintId = `CP${dayStamp(filedAt)}-${index}-${sequence}`;
  const channel = rng.weighted(SERVICE_CHANNELS);
  if (rng.chance(0.5)) chat(history, customer, wholeSecond(filedAt - rng.float(5, 60) * MINUTE), '投诉', channel, true);
  const filed = history.add('ComplaintFiled', filedAt, channel, {
    complaintId,
    category,
    severity: rng.weighted([['low', 45], ['medium', 38], ['high', 17]] as const),
    ...(order && { orderId: order.orderId }),
    ...(rng.chance(0.85) && { description: rng.pick(descriptions) }),
  }, 'kefu');
  if (!filed || !rng.chance(0.88)) return;
  const hours = rng.chance(0.6);
  const resolvedAt = workingHours(rng, filedAt + (hours ? rng.float(1, 47) * HOUR : rng.float(2, 14) * DAY));
  const resolved = history.add('ComplaintResolved', resolvedAt, channel, {
    complaintId,
    resolution: rng.pick(resolutions),
    ...(rng.chance(0.4) && { compensation: rng.pick(COMPENSATIONS) }),
  }, 'kefu');
  if (resolved && rng.chance(0.4)) {
    const at = resolvedAt + rng.int(600, 2 * 86_400) * SECOND;
    answer(history, rng, at, { kind: 'CSAT', score: csatScore(rng, hours), subject: 'complaint', subjectId: complaintId, surveyId: `SV-${complaintId}` });
  }
}

function complaintCategory(rng: Random, order: OrderFact): string {
  if (order.cancelled || order.refunded > 0) return rng.chance(0.6) ? 'refund' : 'product_quality';
  const appliances = order.items.some((item) => item.category === 'appliances');
  return rng.weighted<string>([['delivery', 35], ['product_quality', 30], ['wrong_item', 12], ['service', 10], ['billing', 5], ['installation', appliances ? 15 : 0]]);
}

/** One NPS survey for about 30% of buyers (a second for some); loyal customers promote, churned ones detract. */
function addNps(history: History, customer: Customer, orders: readonly OrderFact[]): void {
  const { rng, index, stage, now } = customer;
  const delivered = orders.find((order) => order.deliveredAt !== undefined && !order.cancelled);
  if (!delivered?.deliveredAt || !rng.chance(0.3)) return;
  const count = rng.chance(0.25) ? 2 : 1;
  for (let n = 1; n <= count; n++) {
    const at = momentBetween(rng, delivered.deliveredAt + 7 * DAY, now);
    answer(history, rng, at, { kind: 'NPS', score: npsScore(rng, stage), surveyId: `NPS-${shanghaiYear(at)}-${index}-${n}` });
  }
}

function answer(history: History, rng: Random, at: number, survey: Survey, channel?: Channel): void {
  const scale = survey.kind === 'CSAT' ? survey.score / 5 : survey.score / 10;
  const mood = scale >= 0.8 ? 'good' : scale >= 0.6 ? 'fair' : 'poor';
  const comment = rng.chance(0.4) ? { comment: rng.pick(COMMENTS[mood]) } : {};
  history.add('SurveyAnswered', wholeSecond(at), channel ?? rng.weighted(SURVEY_CHANNELS), { ...survey, ...comment }, 'survey');
}

function csatScore(rng: Random, happy: boolean): number {
  return happy ? rng.weighted([[5, 55], [4, 28], [3, 10], [2, 4], [1, 3]] as const) : rng.weighted([[5, 8], [4, 15], [3, 27], [2, 25], [1, 25]] as const);
}

function npsScore(rng: Random, stage: Stage): number {
  const promoter = stage === 'loyal' ? 0.6 : stage === 'churned' || stage === 'at_risk' ? 0.2 : 0.4;
  const detractor = stage === 'churned' ? 0.45 : stage === 'loyal' ? 0.08 : 0.2;
  const roll = rng.next();
  if (roll < promoter) return rng.int(9, 10);
  if (roll < promoter + detractor) return rng.int(0, 6);
  return rng.int(7, 8);
}
