import { CITY_WEIGHTS, COMMUNITIES, City } from './places';
import { Random } from './random';

/** Surnames with pinyin and weight (per mille, roughly their share of the population). */
const SURNAMES: readonly (readonly [string, string, number])[] = [
  ['王', 'wang', 71], ['李', 'li', 70], ['张', 'zhang', 67], ['刘', 'liu', 54], ['陈', 'chen', 45],
  ['杨', 'yang', 31], ['黄', 'huang', 22], ['赵', 'zhao', 20], ['吴', 'wu', 19], ['周', 'zhou', 19],
  ['徐', 'xu', 13], ['孙', 'sun', 12], ['马', 'ma', 12], ['朱', 'zhu', 11], ['胡', 'hu', 10],
  ['郭', 'guo', 10], ['何', 'he', 9], ['高', 'gao', 9], ['林', 'lin', 9], ['罗', 'luo', 8],
  ['郑', 'zheng', 8], ['梁', 'liang', 7], ['谢', 'xie', 6], ['宋', 'song', 6], ['唐', 'tang', 5],
  ['许', 'xu', 5], ['韩', 'han', 5], ['冯', 'feng', 4], ['邓', 'deng', 4], ['曹', 'cao', 4],
  ['彭', 'peng', 4], ['曾', 'zeng', 4], ['肖', 'xiao', 4], ['田', 'tian', 3], ['董', 'dong', 3],
  ['袁', 'yuan', 3], ['潘', 'pan', 3], ['蒋', 'jiang', 3], ['蔡', 'cai', 3], ['叶', 'ye', 3],
  ['程', 'cheng', 3], ['苏', 'su', 3], ['魏', 'wei', 3], ['吕', 'lv', 3], ['丁', 'ding', 3],
  ['沈', 'shen', 3], ['任', 'ren', 3], ['欧阳', 'ouyang', 1], ['司马', 'sima', 0.2],
];
const SURNAME_WEIGHTS = SURNAMES.map((entry) => [entry, entry[2]] as const);

const MALE_GIVEN: readonly (readonly [string, string])[] = [
  ['伟', 'wei'], ['强', 'qiang'], ['磊', 'lei'], ['军', 'jun'], ['勇', 'yong'], ['杰', 'jie'], ['涛', 'tao'],
  ['明', 'ming'], ['超', 'chao'], ['刚', 'gang'], ['辉', 'hui'], ['鑫', 'xin'], ['宇', 'yu'], ['浩', 'hao'],
  ['轩', 'xuan'], ['博', 'bo'], ['建', 'jian'], ['国', 'guo'], ['华', 'hua'], ['俊', 'jun'], ['峰', 'feng'],
  ['斌', 'bin'], ['鹏', 'peng'], ['晨', 'chen'], ['子', 'zi'], ['睿', 'rui'], ['泽', 'ze'], ['一', 'yi'],
  ['天', 'tian'], ['文', 'wen'],
];
const FEMALE_GIVEN: readonly (readonly [string, string])[] = [
  ['芳', 'fang'], ['娜', 'na'], ['敏', 'min'], ['静', 'jing'], ['丽', 'li'], ['艳', 'yan'], ['娟', 'juan'],
  ['秀', 'xiu'], ['霞', 'xia'], ['英', 'ying'], ['玉', 'yu'], ['兰', 'lan'], ['婷', 'ting'], ['雪', 'xue'],
  ['琳', 'lin'], ['欣', 'xin'], ['怡', 'yi'], ['涵', 'han'], ['梓', 'zi'], ['思', 'si'], ['雨', 'yu'],
  ['佳', 'jia'], ['萱', 'xuan'], ['诗', 'shi'], ['悦', 'yue'], ['可', 'ke'], ['颖', 'ying'], ['倩', 'qian'],
  ['慧', 'hui'], ['晓', 'xiao'], ['玲', 'ling'],
];

/** Mobile prefixes of China Mobile, Unicom, Telecom and Broadnet. */
const MOBILE_PREFIXES = [
  '130', '131', '132', '133', '134', '135', '136', '137', '138', '139', '147', '150', '151', '152', '153',
  '155', '156', '157', '158', '159', '166', '173', '175', '176', '177', '178', '180', '181', '182', '183',
  '184', '185', '186', '187', '188', '189', '191', '192', '195', '198', '199',
];

const EMAIL_DOMAINS: readonly (readonly [string, number])[] = [
  ['qq.com', 40], ['163.com', 25], ['126.com', 10], ['139.com', 4], ['sina.com', 5], ['foxmail.com', 5],
  ['outlook.com', 5], ['hotmail.com', 3], ['gmail.com', 3],
];

export type Gender = 'female' | 'male' | 'unknown';

export type Person = {
  name: string;
  gender: Gender;
  birthDate: { year: number; month: number; day: number };
  phone: string;
  email: string;
  city: City;
};

export function makePerson(rng: Random): Person {
  const gender: Gender = rng.weighted([['female', 49], ['male', 49], ['unknown', 2]] as const);
  const [surname, surnamePinyin] = rng.weighted(SURNAME_WEIGHTS);
  const pool = gender === 'male' ? MALE_GIVEN : gender === 'female' ? FEMALE_GIVEN : rng.pick([MALE_GIVEN, FEMALE_GIVEN]);
  const given = rng.chance(0.35) ? [rng.pick(pool)] : [rng.pick(pool), rng.pick(pool)];
  const year = rng.int(1960, 2005);
  const month = rng.int(1, 12);
  const birthDate = { year, month, day: rng.int(1, daysInMonth(year, month)) };
  const givenPinyin = given.map(([, pinyin]) => pinyin).join('');
  return {
    name: surname + given.map(([char]) => char).join(''),
    gender,
    birthDate,
    phone: mobilePhone(rng),
    email: email(rng, surnamePinyin, givenPinyin, year),
    city: rng.weighted(CITY_WEIGHTS),
  };
}

export function mobilePhone(rng: Random): string {
  return `+86${rng.pick(MOBILE_PREFIXES)}${rng.digits(8)}`;
}

export function email(rng: Random, surname: string, given: string, birthYear: number): string {
  const domain = rng.weighted(EMAIL_DOMAINS);
  if (domain === 'qq.com' && rng.chance(0.6)) return `${rng.int(1, 9)}${rng.digits(rng.int(7, 9))}@qq.com`;
  const local = rng.pick([
    () => `${surname}${given}${rng.digits(rng.int(2, 4))}`,
    () => `${surname}.${given}${rng.int(1, 99)}`,
    () => `${given}${surname}${birthYear}`,
    () => `${surname}_${given}${birthYear % 100}`,
  ])();
  return `${local}@${domain}`;
}

export function formatDate({ year, month, day }: Person['birthDate']): string {
  return `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/** A street address line in the order Chinese addresses are written. */
export function addressLine(rng: Random, city: City): string {
  return `${rng.pick(city.roads)}${rng.int(1, 999)}号${rng.pick(COMMUNITIES)}${rng.int(1, 30)}栋${rng.int(1, 6)}单元${rng.int(1, 32)}0${rng.int(1, 4)}室`;
}

export function postalCode(rng: Random, city: City): string {
  return `${city.postalPrefix}${rng.digits(1)}${rng.int(0, 4)}${rng.digits(1)}`;
}

export function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}
