import { StorageZone } from '../../src/graphql/enums';

/** Thirty village stations that send and receive the park's parcels: [village, township]. */
export const STATION_VILLAGES: [string, string][] = [
  ['Baofu', 'Gaodu'],
  ['Beijie', 'Gaodu'],
  ['Nanjie', 'Gaodu'],
  ['Dongyu', 'Gaodu'],
  ['Xiyu', 'Gaodu'],
  ['Guanzhuang', 'Gaodu'],
  ['Liyuan', 'Gaodu'],
  ['Hougou', 'Gaodu'],
  ['Chongan', 'Gaodu'],
  ['Shangcun', 'Gaodu'],
  ['Dayang', 'Dayang'],
  ['Xiyang', 'Dayang'],
  ['Hezhuang', 'Dayang'],
  ['Zhoucun', 'Zhoucun'],
  ['Shitou', 'Zhoucun'],
  ['Liuzhuang', 'Zhoucun'],
  ['Jincun', 'Jincun'],
  ['Fucheng', 'Jincun'],
  ['Nanling', 'Nanling'],
  ['Beiyi', 'Nanling'],
  ['Mishan', 'Mishan'],
  ['Tuanchi', 'Shennong'],
  ['Chenqu', 'Chenqu'],
  ['Huangcheng', 'Beiliu'],
  ['Shangzhuang', 'Runcheng'],
  ['Sangshu', 'Dingdian'],
  ['Liyi', 'Liyi'],
  ['Magedang', 'Magedang'],
  ['Zhengzhuang', 'Zhengzhuang'],
  ['Duanshi', 'Duanshi'],
];

export const stationCode = (village: string, township: string) => `ST-${township}-${village}`.toUpperCase();

/** Bins of the distribution centre: aisle prefix, zone, aisles, bins per aisle. */
export const BIN_AISLES: { prefix: string; zone: StorageZone; aisles: number; bins: number }[] = [
  { prefix: 'A', zone: StorageZone.AMBIENT, aisles: 4, bins: 5 },
  { prefix: 'C', zone: StorageZone.CHILLED, aisles: 2, bins: 5 },
  { prefix: 'F', zone: StorageZone.FROZEN, aisles: 2, bins: 3 },
];
