import { SalesPlatform } from '../../src/graphql/enums';

/** A score of the park's online stores, on the six platforms. */
export const MERCHANTS: {
  code: string;
  name: string;
  village: string;
  platform: SalesPlatform;
  storefrontUrl?: string;
}[] = [
  {
    code: 'M-BAOFU-01',
    name: 'Baofu Millet Livestream',
    village: 'Baofu',
    platform: SalesPlatform.DOUYIN,
    storefrontUrl: 'https://www.douyin.com/user/baofu-millet',
  },
  { code: 'M-BAOFU-02', name: 'Baofu Hawthorn Sisters', village: 'Baofu', platform: SalesPlatform.KUAISHOU },
  {
    code: 'M-BAOFU-03',
    name: 'Baofu Taihang Pantry',
    village: 'Baofu',
    platform: SalesPlatform.TAOBAO,
    storefrontUrl: 'https://shop.taobao.com/baofu-pantry',
  },
  {
    code: 'M-BEIJIE-01',
    name: 'Beijie Hawthorn Store',
    village: 'Beijie',
    platform: SalesPlatform.TAOBAO,
    storefrontUrl: 'https://shop.taobao.com/beijie-hawthorn',
  },
  { code: 'M-BEIJIE-02', name: 'Beijie Iron Pot Studio', village: 'Beijie', platform: SalesPlatform.DOUYIN },
  { code: 'M-BEIJIE-03', name: 'Beijie Village Goods', village: 'Beijie', platform: SalesPlatform.PINDUODUO },
  { code: 'M-NANJIE-01', name: 'Nanjie Chestnut House', village: 'Nanjie', platform: SalesPlatform.WECHAT },
  { code: 'M-NANJIE-02', name: 'Gaodu Heritage Crafts', village: 'Nanjie', platform: SalesPlatform.DOUYIN },
  { code: 'M-DONGYU-01', name: 'Dongyu Fresh Eggs', village: 'Dongyu', platform: SalesPlatform.KUAISHOU },
  { code: 'M-DONGYU-02', name: 'Taihang Herb Hall', village: 'Dongyu', platform: SalesPlatform.TAOBAO },
  { code: 'M-XIYU-01', name: 'Xiyu Vermicelli Kitchen', village: 'Xiyu', platform: SalesPlatform.PINDUODUO },
  { code: 'M-XIYU-02', name: 'Jincheng Silk Road', village: 'Xiyu', platform: SalesPlatform.DOUYIN },
  {
    code: 'M-GUANZHUANG-01',
    name: 'Guanzhuang Paper-cut Gifts',
    village: 'Guanzhuang',
    platform: SalesPlatform.WECHAT,
  },
  {
    code: 'M-GUANZHUANG-02',
    name: 'Gaodu Farm Direct',
    village: 'Guanzhuang',
    platform: SalesPlatform.OTHER,
    storefrontUrl: 'https://gaodu-farm.example.cn',
  },
  {
    code: 'M-LIYUAN-01',
    name: 'Liyuan Pear Orchard Live',
    village: 'Liyuan',
    platform: SalesPlatform.DOUYIN,
  },
  { code: 'M-LIYUAN-02', name: 'Qinshui Millet Official', village: 'Liyuan', platform: SalesPlatform.TAOBAO },
  { code: 'M-HOUGOU-01', name: 'Hougou Frozen Foods', village: 'Hougou', platform: SalesPlatform.PINDUODUO },
  { code: 'M-HOUGOU-02', name: 'Hougou Mushroom Stall', village: 'Hougou', platform: SalesPlatform.KUAISHOU },
  {
    code: 'M-CHONGAN-01',
    name: 'Chongan Honey and Nuts',
    village: 'Chongan',
    platform: SalesPlatform.WECHAT,
  },
  {
    code: 'M-SHANGCUN-01',
    name: 'Shangcun Jincheng Specialties',
    village: 'Shangcun',
    platform: SalesPlatform.TAOBAO,
  },
];
