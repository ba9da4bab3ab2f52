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
      ComplaintFiled: { description: 'freeText' },
      ComplaintResolved: { resolution: 'freeText' },
      SurveyAnswered: { comment: 'freeText' },
    });
  });
});
