import { EVENT_CATALOG } from './event-catalog';
import { maskEventData, maskPersonalValue } from './mask-personal-data';
import { personalFieldsOf } from './personal-data';

describe('maskPersonalValue (DESIGN §11)', () => {
  it.each([
    ['name', '张伟', '张*'],
    ['name', '欧阳娜娜', '欧***'],
    ['name', 'Li', 'L*'],
    ['phone', '+8613812345678', '+86138****5678'],
    ['phone', '+14155552671', '+1415***2671'],
    ['email', 'zhang.wei@example.cn', 'z***@example.cn'],
    ['address', '中山路 1 号', '***'],
    ['birthDate', '1990-05-01', null],
    ['freeText', '快递员态度差', '[redacted]'],
    ['identifier', 'SF1234567890123', '***'],
    ['url', 'https://shop.example.cn/books/3-body', 'https://shop.example.cn/books/3-body'],
    ['url', 'https://shop.example.cn/account?email=zhang.wei%40example.cn&ref=sms', 'https://shop.example.cn/account?[redacted]'],
    ['url', 'https://shop.example.cn/pay#phone=13812345678', 'https://shop.example.cn/pay#[redacted]'],
    ['url', 'https://shop.example.cn/s?q=张伟#top', 'https://shop.example.cn/s?[redacted]#[redacted]'],
    ['url', 'https://zhang:secret@shop.example.cn/a?b', 'https://shop.example.cn/a?[redacted]'],
    ['url', '/books?q=三体', '/books?[redacted]'],
    ['url', 'https://www.baidu.com/', 'https://www.baidu.com/'],
    ['name', null, null],
  ] as const)('%s %j → %j', (kind, value, masked) => {
    expect(maskPersonalValue(kind, value)).toEqual(masked);
  });
});

describe('maskEventData', () => {
  it('masks the marked fields and keeps the rest', () => {
    const data = { addressId: 'a1', province: '江苏省', city: '南京市', district: '玄武区', line1: '中山路 1 号', postalCode: '210000', isDefault: true };
    expect(maskEventData('AddressSaved', data)).toEqual({ ...data, line1: '***', postalCode: '***' });
  });

  it('masks names, phones, emails and birth dates of a registration', () => {
    expect(maskEventData('CustomerRegistered', { name: '张伟', phone: '+8613800138000', email: 'a@b.cn', birthDate: '1990-05-01', gender: 'male' })).toEqual({
      name: '张*', phone: '+86138****8000', email: 'a***@b.cn', birthDate: null, gender: 'male',
    });
  });

  it('marks every personal field the design names', () => {
    const marked = Object.fromEntries(Object.entries(EVENT_CATALOG).map(([type, cls]) => [type, personalFieldsOf(cls)]).filter(([, marks]) => Object.keys(marks).length > 0));
    expect(marked).toEqual({
      CustomerRegistered: { name: 'name', birthDate: 'birthDate', email: 'email', phone: 'phone' },
      ProfileUpdated: { name: 'name', birthDate: 'birthDate', email: 'email', phone: 'phone' },
      AddressSaved: { line1: 'address', postalCode: 'address' },
      OrderShipped: { trackingNumber: 'identifier' },
      OrderCancelled: { reason: 'freeText' },
      OrderRefunded: { reason: 'freeText' },
      PageViewed: { url: 'url', referrer: 'url' },
      SearchPerformed: { query: 'freeText' },
      ServiceChatStarted: { topic: 'freeText' },
      ComplaintFiled: { description: 'freeText' },
      ComplaintResolved: { resolution: 'freeText', compensation: 'freeText' },
      SurveyAnswered: { comment: 'freeText' },
      ReferralRewarded: { reward: 'freeText' },
    });
  });

  it.each([
    ['OrderShipped', { orderId: 'o-1', carrier: '顺丰', trackingNumber: 'SF1234567890123' }, { orderId: 'o-1', carrier: '顺丰', trackingNumber: '***' }],
    ['OrderCancelled', { orderId: 'o-1', reason: '买错了，电话13812345678' }, { orderId: 'o-1', reason: '[redacted]' }],
    ['OrderRefunded', { orderId: 'o-1', amount: 100, currency: 'CNY', reason: '质量问题' }, { orderId: 'o-1', amount: 100, currency: 'CNY', reason: '[redacted]' }],
    ['PageViewed', { url: 'https://shop.example.cn/login?email=a%40b.cn', referrer: 'https://mail.example.cn/inbox#msg=1' }, { url: 'https://shop.example.cn/login?[redacted]', referrer: 'https://mail.example.cn/inbox#[redacted]' }],
    ['SearchPerformed', { query: '张伟 的订单', resultCount: 3 }, { query: '[redacted]', resultCount: 3 }],
    ['ServiceChatStarted', { chatId: 'ch-1', topic: '地址改到中山路 1 号' }, { chatId: 'ch-1', topic: '[redacted]' }],
    ['ComplaintResolved', { complaintId: 'cp-1', resolution: '已道歉', compensation: '退 50 元到 138****' }, { complaintId: 'cp-1', resolution: '[redacted]', compensation: '[redacted]' }],
    ['ReferralRewarded', { referredCustomerId: 'c-2', reward: '给王芳的 20 元券' }, { referredCustomerId: 'c-2', reward: '[redacted]' }],
  ])('masks the free text, identifiers and URLs of %s', (type, data, masked) => {
    expect(maskEventData(type, data)).toEqual(masked);
  });
});
