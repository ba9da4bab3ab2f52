/** What the demo retailer sells: categories (slugs), products with list prices in fen, searches. */
export const CATEGORIES = ['appliances', 'digital', 'household', 'books', 'beauty', 'food', 'apparel', 'baby', 'sports'] as const;
export type Category = (typeof CATEGORIES)[number];

export type Product = { sku: string; name: string; category: Category; price: number };

/** [sku, name, list price in yuan] per category. */
const PRODUCTS: Record<Category, readonly (readonly [string, string, number])[]> = {
  appliances: [
    ['APL-10021', '美的变频空调 1.5匹 KFR-35GW', 2999], ['APL-10035', '海尔滚筒洗衣机 10公斤', 2499],
    ['APL-10042', '小米空气净化器 4', 899], ['APL-10057', '九阳破壁豆浆机', 399], ['APL-10063', '苏泊尔电饭煲 4L', 329],
    ['APL-10078', '西门子对开门冰箱 502L', 5999], ['APL-10084', '格力落地扇', 299], ['APL-10091', '戴森吹风机 HD15', 2999],
  ],
  digital: [
    ['DGT-20013', '华为 Mate 60 Pro 12+512GB', 6999], ['DGT-20026', '小米14 16+512GB', 4299], ['DGT-20031', 'Apple iPhone 15 128GB', 5999],
    ['DGT-20048', '华为 MatePad 11.5 平板', 2299], ['DGT-20052', '联想小新 Pro14 笔记本', 4999], ['DGT-20067', '罗技 M650 无线鼠标', 129],
    ['DGT-20073', '倍思 20000mAh 充电宝', 159], ['DGT-20089', '漫步者 W820NB 蓝牙耳机', 199], ['DGT-20094', '手机壳 透明防摔', 39],
  ],
  household: [
    ['HSH-30012', '维达抽纸 24包整箱', 59.9], ['HSH-30027', '蓝月亮洗衣液 3kg', 69], ['HSH-30034', '乐扣保鲜盒 6件套', 89],
    ['HSH-30046', '水星家纺 纯棉四件套', 399], ['HSH-30051', '双立人刀具 5件套', 899], ['HSH-30068', '清风卷纸 27卷', 45.9],
  ],
  books: [
    ['BK-40011', '三体（全三册）', 93], ['BK-40024', '活着', 28], ['BK-40036', '平凡的世界（全三册）', 108],
    ['BK-40043', '人类简史', 68], ['BK-40058', '明朝那些事儿（全集）', 188], ['BK-40062', '小王子', 25], ['BK-40079', '百年孤独', 55],
  ],
  beauty: [
    ['BTY-50014', '兰蔻小黑瓶精华 50ml', 1080], ['BTY-50029', '雅诗兰黛眼霜 15ml', 620], ['BTY-50033', '完美日记口红', 89],
    ['BTY-50045', '百雀羚水乳套装', 298], ['BTY-50056', 'SK-II 神仙水 230ml', 1370], ['BTY-50061', '自然堂补水面膜 10片', 99],
  ],
  food: [
    ['FD-60015', '五常稻花香大米 10kg', 129], ['FD-60022', '三只松鼠坚果礼盒', 168], ['FD-60038', '金龙鱼食用油 5L', 79.9],
    ['FD-60041', '蒙牛纯牛奶 24盒整箱', 65], ['FD-60057', '西湖龙井 250g', 398], ['FD-60064', '良品铺子零食大礼包', 99],
  ],
  apparel: [
    ['APR-70016', '李宁运动T恤', 149], ['APR-70023', '波司登羽绒服 长款', 1299], ['APR-70039', '优衣库摇粒绒外套', 199],
    ['APR-70044', '安踏跑步鞋', 399], ['APR-70052', '海澜之家商务衬衫', 199], ['APR-70068', '太平鸟连衣裙', 599],
  ],
  baby: [
    ['BB-80017', '飞鹤星飞帆奶粉 3段 700g', 268], ['BB-80025', '帮宝适纸尿裤 L码 52片', 139], ['BB-80036', '好孩子婴儿推车', 1299],
    ['BB-80043', '贝亲宽口径奶瓶', 129], ['BB-80059', '巴拉巴拉童装套装', 159],
  ],
  sports: [
    ['SPT-90018', '迪卡侬瑜伽垫 8mm', 99], ['SPT-90024', '李宁羽毛球拍', 299], ['SPT-90031', '斯伯丁篮球 7号', 189],
    ['SPT-90047', '小米手环 8', 239], ['SPT-90053', 'Keep 动感单车', 1999], ['SPT-90066', '探路者冲锋衣', 699],
  ],
};

const inFen = (category: Category): Product[] => PRODUCTS[category].map(([sku, name, yuan]) => ({ sku, name, category, price: Math.round(yuan * 100) }));

export const PRODUCTS_BY_CATEGORY: Record<Category, readonly Product[]> = {
  appliances: inFen('appliances'), digital: inFen('digital'), household: inFen('household'), books: inFen('books'), beauty: inFen('beauty'),
  food: inFen('food'), apparel: inFen('apparel'), baby: inFen('baby'), sports: inFen('sports'),
};

/** How many units of one product a basket usually holds. */
export const TYPICAL_QUANTITY: Record<Category, number> = {
  appliances: 1, digital: 1, household: 3, books: 2, beauty: 1, food: 3, apparel: 2, baby: 3, sports: 1,
};

export const SEARCHES: Record<Category, readonly string[]> = {
  appliances: ['空调', '洗衣机 滚筒', '空气净化器', '电饭煲', '冰箱 对开门', '吹风机'],
  digital: ['手机', '华为手机', '蓝牙耳机 降噪', '笔记本电脑', '充电宝', '平板电脑'],
  household: ['抽纸', '洗衣液', '四件套 纯棉', '保鲜盒', '刀具套装'],
  books: ['三体', '小说 畅销', '历史书', '儿童绘本', '余华'],
  beauty: ['口红', '面膜 补水', '精华液', '眼霜', '护肤套装'],
  food: ['大米', '坚果礼盒', '牛奶 整箱', '龙井茶', '零食大礼包'],
  apparel: ['羽绒服 女', '运动鞋 男', '连衣裙', '衬衫', '冲锋衣'],
  baby: ['奶粉 3段', '纸尿裤 L', '婴儿推车', '奶瓶', '童装'],
  sports: ['瑜伽垫', '羽毛球拍', '篮球', '智能手环', '动感单车'],
};
