import { SkuCategory, StorageZone } from '../../src/graphql/enums';

/** One product of Jincheng sold in several packs; each pack is a SKU `${prefix}-${suffix}`. */
export interface ProductFamily {
  prefix: string;
  name: string;
  localName: string;
  category: SkuCategory;
  zone: StorageZone;
  shelfLifeDays: number;
  heritage?: boolean;
  geographicalIndication?: string;
  /** [code suffix, unit, unit weight in grams, price in yuan] */
  packs: [string, string, number, string][];
}

const { AMBIENT, CHILLED, FROZEN } = StorageZone;
const { GRAIN, FRUIT, VEGETABLE, MUSHROOM, HERB, NUT, MEAT_EGG, PROCESSED, HANDICRAFT } = SkuCategory;

export const PRODUCT_FAMILIES: ProductFamily[] = [
  // Qinshui
  { prefix: 'QS-MILLET', name: 'Qinzhou-yellow millet', localName: '沁州黄小米', category: GRAIN, zone: AMBIENT, shelfLifeDays: 365,
    geographicalIndication: 'Qinzhou Huang millet (沁州黄小米) GI',
    packs: [['500G', '500 g bag', 500, '12.80'], ['1KG', '1 kg bag', 1000, '23.50'], ['2500G', '2.5 kg bag', 2500, '55.00'], ['5KG-GIFT', '5 kg gift box', 5000, '128.00']] },
  { prefix: 'QS-BUCKWHEAT', name: 'Qinshui buckwheat flour', localName: '沁水荞麦面', category: GRAIN, zone: AMBIENT, shelfLifeDays: 270,
    packs: [['1KG', '1 kg bag', 1000, '16.90'], ['2500G', '2.5 kg bag', 2500, '38.00']] },
  { prefix: 'QS-OATS', name: 'Naked oats', localName: '沁水莜麦', category: GRAIN, zone: AMBIENT, shelfLifeDays: 300,
    packs: [['1KG', '1 kg bag', 1000, '14.50'], ['2500G', '2.5 kg bag', 2500, '33.00']] },
  { prefix: 'QS-FUNGUS', name: 'Qinshui black fungus', localName: '沁水黑木耳', category: MUSHROOM, zone: AMBIENT, shelfLifeDays: 540,
    packs: [['250G', '250 g bag', 250, '29.90'], ['500G', '500 g bag', 500, '56.00']] },
  // Lingchuan
  { prefix: 'LC-CODONOPSIS', name: 'Lingchuan codonopsis root', localName: '陵川党参', category: HERB, zone: AMBIENT, shelfLifeDays: 730,
    geographicalIndication: 'Lu Dangshen (潞党参) GI',
    packs: [['250G', '250 g box', 250, '68.00'], ['500G', '500 g box', 500, '128.00'], ['GIFT', 'gift box of 4 x 250 g', 1000, '288.00']] },
  { prefix: 'LC-FORSYTHIA', name: 'Forsythia fruit', localName: '陵川连翘', category: HERB, zone: AMBIENT, shelfLifeDays: 730,
    packs: [['500G', '500 g bag', 500, '45.00']] },
  { prefix: 'LC-WALNUT', name: 'Taihang walnuts', localName: '陵川核桃', category: NUT, zone: AMBIENT, shelfLifeDays: 240,
    packs: [['1KG', '1 kg bag', 1000, '32.00'], ['2500G', '2.5 kg box', 2500, '75.00']] },
  { prefix: 'LC-HONEY', name: 'Taihang wildflower honey', localName: '太行山土蜂蜜', category: PROCESSED, zone: AMBIENT, shelfLifeDays: 730,
    packs: [['500G', '500 g jar', 500, '58.00'], ['1KG', '1 kg jar', 1000, '108.00']] },
  { prefix: 'LC-SHIITAKE', name: 'Fresh shiitake', localName: '鲜香菇', category: MUSHROOM, zone: CHILLED, shelfLifeDays: 10,
    packs: [['500G', '500 g tray', 500, '9.90'], ['2KG', '2 kg box', 2000, '34.00']] },
  { prefix: 'LC-SHIITAKE-DRY', name: 'Dried shiitake', localName: '干香菇', category: MUSHROOM, zone: AMBIENT, shelfLifeDays: 365,
    packs: [['250G', '250 g bag', 250, '26.00'], ['500G', '500 g bag', 500, '49.00']] },
  // Zezhou
  { prefix: 'ZZ-HAWTHORN', name: 'Zezhou red hawthorn', localName: '泽州红山楂', category: FRUIT, zone: CHILLED, shelfLifeDays: 45,
    packs: [['2500G', '2.5 kg box', 2500, '19.90'], ['5KG', '5 kg box', 5000, '36.00']] },
  { prefix: 'ZZ-HAWTHORN-SLICE', name: 'Dried hawthorn slices', localName: '山楂干', category: PROCESSED, zone: AMBIENT, shelfLifeDays: 365,
    packs: [['250G', '250 g bag', 250, '12.90'], ['500G', '500 g bag', 500, '23.00']] },
  { prefix: 'ZZ-HAWTHORN-CAKE', name: 'Hawthorn cake', localName: '山楂糕', category: PROCESSED, zone: AMBIENT, shelfLifeDays: 180,
    packs: [['400G', '400 g box', 400, '15.80'], ['GIFT', 'gift box of 6', 1500, '49.00']] },
  { prefix: 'ZZ-HAWTHORN-ROLL', name: 'Hawthorn rolls', localName: '果丹皮', category: PROCESSED, zone: AMBIENT, shelfLifeDays: 270,
    packs: [['500G', '500 g bag', 500, '18.00']] },
  { prefix: 'ZZ-CHESTNUT', name: 'Taihang chestnuts', localName: '太行板栗', category: NUT, zone: CHILLED, shelfLifeDays: 60,
    packs: [['1KG', '1 kg bag', 1000, '18.80'], ['2500G', '2.5 kg box', 2500, '42.00']] },
  { prefix: 'ZZ-CHESTNUT-ROAST', name: 'Roasted chestnut kernels', localName: '板栗仁', category: NUT, zone: AMBIENT, shelfLifeDays: 180,
    packs: [['100G', '100 g pack', 100, '6.50'], ['BOX20', 'box of 20 x 100 g', 2000, '118.00']] },
  { prefix: 'ZZ-VERMICELLI', name: 'Sweet-potato vermicelli', localName: '红薯粉条', category: PROCESSED, zone: AMBIENT, shelfLifeDays: 540,
    packs: [['1KG', '1 kg bag', 1000, '19.90'], ['2500G', '2.5 kg bag', 2500, '45.00']] },
  { prefix: 'ZZ-EGGS', name: 'Free-range eggs', localName: '土鸡蛋', category: MEAT_EGG, zone: CHILLED, shelfLifeDays: 30,
    packs: [['30', 'tray of 30', 1800, '36.00'], ['60', 'box of 60', 3600, '69.00']] },
  { prefix: 'ZZ-PORK', name: 'Taihang black pork', localName: '太行黑猪肉', category: MEAT_EGG, zone: FROZEN, shelfLifeDays: 180,
    packs: [['1KG', '1 kg pack', 1000, '68.00'], ['RIBS-1KG', '1 kg pack of ribs', 1000, '88.00']] },
  { prefix: 'ZZ-DUMPLING', name: 'Pork and cabbage dumplings', localName: '猪肉白菜水饺', category: PROCESSED, zone: FROZEN, shelfLifeDays: 270,
    packs: [['1KG', '1 kg bag', 1000, '26.00']] },
  { prefix: 'ZZ-CORN', name: 'Sweet corn cobs', localName: '甜玉米', category: VEGETABLE, zone: FROZEN, shelfLifeDays: 365,
    packs: [['8', 'pack of 8', 2400, '29.90']] },
  { prefix: 'ZZ-IRONPOT', name: 'Zezhou cast-iron pot', localName: '泽州铸铁锅', category: HANDICRAFT, zone: AMBIENT, shelfLifeDays: 3650, heritage: true,
    packs: [['32CM', '32 cm pot', 4200, '268.00'], ['36CM', '36 cm pot', 5100, '318.00']] },
  { prefix: 'ZZ-IRONKETTLE', name: 'Cast-iron kettle', localName: '铸铁壶', category: HANDICRAFT, zone: AMBIENT, shelfLifeDays: 3650, heritage: true,
    packs: [['1200ML', '1.2 l kettle', 2300, '198.00']] },
  { prefix: 'ZZ-PAPERCUT', name: 'Paper-cut window flowers', localName: '剪纸窗花', category: HANDICRAFT, zone: AMBIENT, shelfLifeDays: 3650, heritage: true,
    packs: [['SET10', 'set of 10', 120, '39.00'], ['FRAME', 'framed piece', 900, '168.00']] },
  // Gaoping
  { prefix: 'GP-PEAR', name: 'Gaoping yellow pears', localName: '高平黄梨', category: FRUIT, zone: CHILLED, shelfLifeDays: 60,
    geographicalIndication: 'Gaoping yellow pear (高平黄梨) GI',
    packs: [['2500G', '2.5 kg box', 2500, '25.80'], ['5KG', '5 kg box', 5000, '46.00'], ['GIFT', 'gift box of 12', 4000, '88.00']] },
  { prefix: 'GP-PEAR-PASTE', name: 'Autumn pear paste', localName: '秋梨膏', category: PROCESSED, zone: AMBIENT, shelfLifeDays: 540,
    packs: [['300G', '300 g jar', 300, '35.00']] },
  { prefix: 'GP-TOFU', name: 'Gaoping roasted tofu', localName: '高平烧豆腐', category: PROCESSED, zone: CHILLED, shelfLifeDays: 7,
    packs: [['500G', '500 g tray', 500, '8.80'], ['2KG', '2 kg box', 2000, '31.00']] },
  { prefix: 'GP-YELLOWRICE', name: 'Millet yellow-rice cake', localName: '黄米糕', category: PROCESSED, zone: FROZEN, shelfLifeDays: 180,
    packs: [['800G', '800 g bag', 800, '22.00']] },
  { prefix: 'GP-SILK', name: 'Gaoping silk scarf', localName: '高平丝绸围巾', category: HANDICRAFT, zone: AMBIENT, shelfLifeDays: 3650, heritage: true,
    packs: [['SCARF', 'one scarf', 120, '158.00']] },
  { prefix: 'GP-CARROT', name: 'Gaoping carrots', localName: '高平胡萝卜', category: VEGETABLE, zone: CHILLED, shelfLifeDays: 30,
    packs: [['5KG', '5 kg box', 5000, '18.00']] },
  // Yangcheng
  { prefix: 'YC-COCOON', name: 'Yangcheng silkworm cocoons', localName: '阳城蚕茧', category: PROCESSED, zone: AMBIENT, shelfLifeDays: 365,
    geographicalIndication: 'Yangcheng cocoon (阳城蚕茧) GI',
    packs: [['500G', '500 g bag', 500, '42.00'], ['5KG', '5 kg sack', 5000, '380.00']] },
  { prefix: 'YC-SILKQUILT', name: 'Mulberry-silk quilt', localName: '蚕丝被', category: HANDICRAFT, zone: AMBIENT, shelfLifeDays: 3650, heritage: true,
    packs: [['1500G', '1.5 kg quilt', 1500, '568.00'], ['2500G', '2.5 kg quilt', 2500, '868.00']] },
  { prefix: 'YC-MULBERRY-TEA', name: 'Mulberry-leaf tea', localName: '桑叶茶', category: PROCESSED, zone: AMBIENT, shelfLifeDays: 540,
    packs: [['100G', '100 g tin', 100, '38.00'], ['250G', '250 g tin', 250, '88.00']] },
  { prefix: 'YC-MULBERRY', name: 'Mulberries', localName: '桑葚', category: FRUIT, zone: FROZEN, shelfLifeDays: 240,
    packs: [['1KG', '1 kg bag', 1000, '39.00']] },
  { prefix: 'YC-PUPAE', name: 'Silkworm pupae', localName: '蚕蛹', category: MEAT_EGG, zone: FROZEN, shelfLifeDays: 180,
    packs: [['500G', '500 g bag', 500, '32.00']] },
  { prefix: 'YC-LIVER', name: 'Yangcheng roast liver', localName: '阳城烧肝', category: MEAT_EGG, zone: CHILLED, shelfLifeDays: 15,
    packs: [['400G', '400 g pack', 400, '28.00']] },
  { prefix: 'YC-IRONWARE', name: 'Yangcheng wrought-iron ware', localName: '阳城生铁冶铸器', category: HANDICRAFT, zone: AMBIENT, shelfLifeDays: 3650, heritage: true,
    packs: [['LANTERN', 'iron lantern', 1800, '238.00']] },
  // more from around Jincheng
  { prefix: 'QS-SORGHUM', name: 'Red sorghum', localName: '红高粱', category: GRAIN, zone: AMBIENT, shelfLifeDays: 365,
    packs: [['2500G', '2.5 kg bag', 2500, '21.00']] },
  { prefix: 'QS-SOYBEAN', name: 'Small black soybeans', localName: '小黑豆', category: GRAIN, zone: AMBIENT, shelfLifeDays: 365,
    packs: [['1KG', '1 kg bag', 1000, '17.50'], ['2500G', '2.5 kg bag', 2500, '40.00']] },
  { prefix: 'LC-SKULLCAP-TEA', name: 'Taihang skullcap tea', localName: '太行黄芩茶', category: HERB, zone: AMBIENT, shelfLifeDays: 540,
    packs: [['100G', '100 g tin', 100, '36.00'], ['250G', '250 g tin', 250, '79.00']] },
  { prefix: 'LC-OYSTER', name: 'Fresh oyster mushrooms', localName: '鲜平菇', category: MUSHROOM, zone: CHILLED, shelfLifeDays: 7,
    packs: [['1KG', '1 kg box', 1000, '11.80'], ['3KG', '3 kg box', 3000, '30.00']] },
  { prefix: 'ZZ-VINEGAR', name: 'Jincheng aged vinegar', localName: '晋城老陈醋', category: PROCESSED, zone: AMBIENT, shelfLifeDays: 720,
    packs: [['500ML', '500 ml bottle', 600, '12.00'], ['CASE12', 'case of 12 x 500 ml', 7200, '128.00']] },
  { prefix: 'ZZ-LAMB', name: 'Taihang lamb', localName: '太行羊肉', category: MEAT_EGG, zone: FROZEN, shelfLifeDays: 180,
    packs: [['1KG', '1 kg pack', 1000, '98.00'], ['LEG', 'whole leg, about 2.5 kg', 2500, '225.00']] },
  { prefix: 'ZZ-SPINACH', name: 'Frozen spinach', localName: '速冻菠菜', category: VEGETABLE, zone: FROZEN, shelfLifeDays: 365,
    packs: [['1KG', '1 kg bag', 1000, '9.90']] },
  { prefix: 'ZZ-PERSIMMON', name: 'Dried persimmons', localName: '柿饼', category: FRUIT, zone: CHILLED, shelfLifeDays: 90,
    packs: [['1KG', '1 kg box', 1000, '39.90']] },
  { prefix: 'YC-SILKPILLOW', name: 'Silk-filled pillow', localName: '蚕丝枕', category: HANDICRAFT, zone: AMBIENT, shelfLifeDays: 3650, heritage: true,
    packs: [['PAIR', 'pair of pillows', 1600, '298.00']] },
  { prefix: 'GP-APPLE', name: 'Gaoping apples', localName: '高平苹果', category: FRUIT, zone: CHILLED, shelfLifeDays: 90,
    packs: [['5KG', '5 kg box', 5000, '39.00']] },
];

/** SKU code of a family's pack. */
export const skuCode = (family: ProductFamily, suffix: string) => `${family.prefix}-${suffix}`;
