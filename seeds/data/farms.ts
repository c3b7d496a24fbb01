/**
 * About forty farms and cooperatives around Jincheng. `supplies` names product-family prefixes
 * (see skus.ts): the farm is registered as a supplier of every pack of those families.
 */
export interface DemoFarm {
  code: string;
  name: string;
  county: string;
  township: string;
  village: string;
  contactName: string;
  phone: string;
  certifications: string[];
  supplies: string[];
}

type Row = [code: string, name: string, county: string, township: string, village: string, contact: string, certs: string, supplies: string];

const ROWS: Row[] = [
  ['FARM-QINSHUI-001', 'Zhengzhuang millet cooperative', 'Qinshui', 'Zhengzhuang', 'Zhengzhuang', 'Wang Fang', 'GI,Green Food', 'QS-MILLET QS-OATS'],
  ['FARM-QINSHUI-002', 'Xiangyu hillside millet farm', 'Qinshui', 'Zhengzhuang', 'Xiangyu', 'Li Jianguo', 'GI', 'QS-MILLET QS-SORGHUM'],
  ['FARM-QINSHUI-003', 'Duanshi grain cooperative', 'Qinshui', 'Duanshi', 'Duanshi', 'Zhao Min', 'Green Food', 'QS-MILLET QS-BUCKWHEAT QS-SOYBEAN'],
  ['FARM-QINSHUI-004', 'Doucun buckwheat farm', 'Qinshui', 'Duanshi', 'Doucun', 'Chen Xiuying', '', 'QS-BUCKWHEAT QS-OATS'],
  ['FARM-QINSHUI-005', 'Jiafeng fungus growers', 'Qinshui', 'Jiafeng', 'Jiafeng', 'Yang Hua', 'Organic', 'QS-FUNGUS'],
  ['FARM-QINSHUI-006', 'Wubang family farm', 'Qinshui', 'Jiafeng', 'Wubang', 'Zhang Lei', '', 'QS-SOYBEAN QS-SORGHUM'],
  ['FARM-QINSHUI-007', 'Qinshui highland millet base', 'Qinshui', 'Zhengzhuang', 'Zhengzhuang', 'Guo Ping', 'GI,Organic', 'QS-MILLET'],
  ['FARM-LINGCHUAN-001', 'Liyi codonopsis cooperative', 'Lingchuan', 'Liyi', 'Liyi', 'Wu Guiying', 'GI,GAP', 'LC-CODONOPSIS LC-FORSYTHIA'],
  ['FARM-LINGCHUAN-002', 'Dongmen herb garden', 'Lingchuan', 'Liyi', 'Dongmen', 'Sun Qiang', 'GAP', 'LC-CODONOPSIS LC-SKULLCAP-TEA'],
  ['FARM-LINGCHUAN-003', 'Fucheng walnut orchard', 'Lingchuan', 'Fucheng', 'Fucheng', 'Ma Li', '', 'LC-WALNUT'],
  ['FARM-LINGCHUAN-004', 'Xiaobeiwang bee farm', 'Lingchuan', 'Fucheng', 'Xiaobeiwang', 'Hu Jun', 'Organic', 'LC-HONEY'],
  ['FARM-LINGCHUAN-005', 'Magedang mushroom sheds', 'Lingchuan', 'Magedang', 'Magedang', 'Zhu Yan', 'Green Food', 'LC-SHIITAKE LC-SHIITAKE-DRY LC-OYSTER'],
  ['FARM-LINGCHUAN-006', 'Wangmangling forest farm', 'Lingchuan', 'Magedang', 'Wangmangling', 'Gao Jing', '', 'LC-FORSYTHIA LC-HONEY LC-WALNUT'],
  ['FARM-LINGCHUAN-007', 'Lingchuan Taihang mushroom cooperative', 'Lingchuan', 'Magedang', 'Magedang', 'Lin Tao', '', 'LC-SHIITAKE LC-OYSTER'],
  ['FARM-ZEZHOU-001', 'Baofu hawthorn cooperative', 'Zezhou', 'Gaodu', 'Baofu', 'Liu Yang', 'GAP', 'ZZ-HAWTHORN ZZ-HAWTHORN-SLICE ZZ-HAWTHORN-CAKE'],
  ['FARM-ZEZHOU-002', 'Beijie hawthorn orchard', 'Zezhou', 'Gaodu', 'Beijie', 'He Xiaoling', '', 'ZZ-HAWTHORN ZZ-HAWTHORN-ROLL'],
  ['FARM-ZEZHOU-003', 'Nanjie chestnut grove', 'Zezhou', 'Gaodu', 'Nanjie', 'Luo Gang', '', 'ZZ-CHESTNUT ZZ-CHESTNUT-ROAST'],
  ['FARM-ZEZHOU-004', 'Dongyu free-range poultry', 'Zezhou', 'Gaodu', 'Dongyu', 'Song Mei', 'Animal Welfare', 'ZZ-EGGS'],
  ['FARM-ZEZHOU-005', 'Xiyu sweet-potato workshop', 'Zezhou', 'Gaodu', 'Xiyu', 'Tang Wei', 'SC', 'ZZ-VERMICELLI'],
  ['FARM-ZEZHOU-006', 'Guanzhuang paper-cut studio', 'Zezhou', 'Gaodu', 'Guanzhuang', 'Feng Lan', 'Intangible Cultural Heritage', 'ZZ-PAPERCUT'],
  ['FARM-ZEZHOU-007', 'Dayang iron-casting workshop', 'Zezhou', 'Dayang', 'Dayang', 'Cao Zhiqiang', 'Intangible Cultural Heritage', 'ZZ-IRONPOT ZZ-IRONKETTLE'],
  ['FARM-ZEZHOU-008', 'Xiyang blacksmiths', 'Zezhou', 'Dayang', 'Xiyang', 'Deng Hui', 'Intangible Cultural Heritage', 'ZZ-IRONPOT'],
  ['FARM-ZEZHOU-009', 'Hezhuang black-pig farm', 'Zezhou', 'Dayang', 'Hezhuang', 'Xu Bin', 'Animal Welfare', 'ZZ-PORK ZZ-DUMPLING'],
  ['FARM-ZEZHOU-010', 'Zhoucun vegetable base', 'Zezhou', 'Zhoucun', 'Zhoucun', 'Han Xue', 'Green Food', 'ZZ-CORN ZZ-SPINACH'],
  ['FARM-ZEZHOU-011', 'Shitou persimmon orchard', 'Zezhou', 'Zhoucun', 'Shitou', 'Peng Bo', '', 'ZZ-PERSIMMON ZZ-CHESTNUT'],
  ['FARM-ZEZHOU-012', 'Liuzhuang sheep farm', 'Zezhou', 'Zhoucun', 'Liuzhuang', 'Jiang Hong', '', 'ZZ-LAMB'],
  ['FARM-ZEZHOU-013', 'Jincun vinegar house', 'Zezhou', 'Jincun', 'Jincun', 'Dong Yu', 'SC', 'ZZ-VINEGAR'],
  ['FARM-ZEZHOU-014', 'Fucheng hawthorn foods', 'Zezhou', 'Jincun', 'Fucheng', 'Xie Na', 'SC', 'ZZ-HAWTHORN-CAKE ZZ-HAWTHORN-ROLL ZZ-HAWTHORN-SLICE'],
  ['FARM-GAOPING-001', 'Mishan yellow-pear orchard', 'Gaoping', 'Mishan', 'Mishan', 'Yuan Lihua', 'GI,GAP', 'GP-PEAR GP-PEAR-PASTE'],
  ['FARM-GAOPING-002', 'Houzhuang pear cooperative', 'Gaoping', 'Mishan', 'Houzhuang', 'Pan Dong', 'GI', 'GP-PEAR GP-APPLE'],
  ['FARM-GAOPING-003', 'Tuanchi tofu workshop', 'Gaoping', 'Shennong', 'Tuanchi', 'Cai Jie', 'SC', 'GP-TOFU'],
  ['FARM-GAOPING-004', 'Zhuangli millet-cake kitchen', 'Gaoping', 'Shennong', 'Zhuangli', 'Shen Qing', 'SC', 'GP-YELLOWRICE'],
  ['FARM-GAOPING-005', 'Chenqu silk weavers', 'Gaoping', 'Chenqu', 'Chenqu', 'Du Juan', 'Intangible Cultural Heritage', 'GP-SILK'],
  ['FARM-GAOPING-006', 'Guanzhuang carrot fields', 'Gaoping', 'Chenqu', 'Guanzhuang', 'Ye Wen', 'Green Food', 'GP-CARROT GP-APPLE'],
  ['FARM-YANGCHENG-001', 'Huangcheng sericulture cooperative', 'Yangcheng', 'Beiliu', 'Huangcheng', 'Fan Rong', 'GI', 'YC-COCOON YC-PUPAE'],
  ['FARM-YANGCHENG-002', 'Guoyu mulberry garden', 'Yangcheng', 'Beiliu', 'Guoyu', 'Lu Ping', 'Organic', 'YC-MULBERRY YC-MULBERRY-TEA'],
  ['FARM-YANGCHENG-003', 'Sangshu silk workshop', 'Yangcheng', 'Dingdian', 'Sangshu', 'Wei Xia', 'Intangible Cultural Heritage', 'YC-SILKQUILT YC-SILKPILLOW'],
  ['FARM-YANGCHENG-004', 'Dingdian cocoon growers', 'Yangcheng', 'Dingdian', 'Dingdian', 'Qian Hao', 'GI', 'YC-COCOON YC-SILKQUILT'],
  ['FARM-YANGCHENG-005', 'Runcheng iron foundry', 'Yangcheng', 'Runcheng', 'Shangzhuang', 'Kong Ming', 'Intangible Cultural Heritage', 'YC-IRONWARE'],
  ['FARM-YANGCHENG-006', 'Tunchengcun roast-liver kitchen', 'Yangcheng', 'Runcheng', 'Tunchengcun', 'Yin Fei', 'SC', 'YC-LIVER'],
];

export const FARMS: DemoFarm[] = ROWS.map(([code, name, county, township, village, contactName, certs, supplies], i) => ({
  code, name, county, township, village, contactName,
  phone: `1390356${String(1001 + i).padStart(4, '0')}`,
  certifications: certs ? certs.split(',') : [],
  supplies: supplies.split(' '),
}));
