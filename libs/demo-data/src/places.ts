/**
 * Real province / city / district triples with a few real roads per city, weighted roughly by
 * online-retail population. Postal codes are the city's prefix; the last digits are made up.
 */
export type City = {
  province: string;
  city: string;
  postalPrefix: string;
  districts: readonly string[];
  roads: readonly string[];
  weight: number;
};

export const CITIES: readonly City[] = [
  { province: '北京市', city: '北京市', postalPrefix: '100', districts: ['朝阳区', '海淀区', '东城区', '西城区', '丰台区'], roads: ['建国路', '朝阳北路', '中关村大街', '学院路', '望京街'], weight: 10 },
  { province: '上海市', city: '上海市', postalPrefix: '200', districts: ['浦东新区', '徐汇区', '静安区', '闵行区', '黄浦区'], roads: ['世纪大道', '张杨路', '漕溪北路', '南京西路', '虹梅路'], weight: 10 },
  { province: '天津市', city: '天津市', postalPrefix: '300', districts: ['和平区', '南开区', '河西区'], roads: ['南京路', '卫津路', '友谊路'], weight: 3 },
  { province: '重庆市', city: '重庆市', postalPrefix: '400', districts: ['渝中区', '江北区', '沙坪坝区'], roads: ['中山一路', '建新北路', '小龙坎正街'], weight: 4 },
  { province: '江苏省', city: '南京市', postalPrefix: '210', districts: ['鼓楼区', '玄武区', '秦淮区', '建邺区'], roads: ['中山北路', '珠江路', '汉中路', '江东中路'], weight: 6 },
  { province: '江苏省', city: '苏州市', postalPrefix: '215', districts: ['姑苏区', '吴中区', '虎丘区'], roads: ['人民路', '干将路', '东吴北路'], weight: 4 },
  { province: '浙江省', city: '杭州市', postalPrefix: '310', districts: ['西湖区', '拱墅区', '滨江区', '余杭区'], roads: ['文三路', '延安路', '江南大道', '文一西路'], weight: 6 },
  { province: '浙江省', city: '宁波市', postalPrefix: '315', districts: ['海曙区', '鄞州区'], roads: ['中山西路', '天童南路'], weight: 2 },
  { province: '广东省', city: '广州市', postalPrefix: '510', districts: ['天河区', '越秀区', '海珠区', '番禺区'], roads: ['天河路', '中山五路', '江南大道中', '市桥路'], weight: 7 },
  { province: '广东省', city: '深圳市', postalPrefix: '518', districts: ['南山区', '福田区', '罗湖区', '宝安区'], roads: ['深南大道', '科苑路', '福华路', '宝安大道'], weight: 7 },
  { province: '四川省', city: '成都市', postalPrefix: '610', districts: ['武侯区', '锦江区', '青羊区', '成华区'], roads: ['人民南路', '春熙路', '天府大道', '建设路'], weight: 5 },
  { province: '湖北省', city: '武汉市', postalPrefix: '430', districts: ['武昌区', '洪山区', '江汉区'], roads: ['中南路', '珞喻路', '解放大道'], weight: 4 },
  { province: '陕西省', city: '西安市', postalPrefix: '710', districts: ['雁塔区', '碑林区', '未央区'], roads: ['长安南路', '南大街', '未央路'], weight: 3 },
  { province: '山东省', city: '济南市', postalPrefix: '250', districts: ['历下区', '市中区'], roads: ['泉城路', '经十路'], weight: 2 },
  { province: '山东省', city: '青岛市', postalPrefix: '266', districts: ['市南区', '崂山区'], roads: ['香港中路', '海尔路'], weight: 2 },
  { province: '湖南省', city: '长沙市', postalPrefix: '410', districts: ['岳麓区', '芙蓉区', '天心区'], roads: ['五一大道', '麓山南路', '芙蓉中路'], weight: 3 },
  { province: '福建省', city: '厦门市', postalPrefix: '361', districts: ['思明区', '湖里区'], roads: ['中山路', '湖滨南路'], weight: 2 },
  { province: '河南省', city: '郑州市', postalPrefix: '450', districts: ['金水区', '二七区'], roads: ['花园路', '大学路'], weight: 3 },
  { province: '安徽省', city: '合肥市', postalPrefix: '230', districts: ['蜀山区', '包河区'], roads: ['长江西路', '马鞍山路'], weight: 2 },
  { province: '辽宁省', city: '沈阳市', postalPrefix: '110', districts: ['和平区', '沈河区'], roads: ['青年大街', '北京街'], weight: 2 },
  { province: '云南省', city: '昆明市', postalPrefix: '650', districts: ['五华区', '盘龙区'], roads: ['人民中路', '北京路'], weight: 2 },
];

export const CITY_WEIGHTS: readonly (readonly [City, number])[] = CITIES.map((city) => [city, city.weight]);

export const COMMUNITIES = ['阳光花园', '翠苑小区', '万科城', '碧桂园', '保利花园', '华润城', '金地格林小镇', '幸福家园', '锦绣江南', '世纪新城', '龙湖天街公寓', '和平里小区'];
