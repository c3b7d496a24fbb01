/** The eight express carriers that collect parcels at the distribution centre. */
export const CARRIERS: { code: string; name: string }[] = [
  { code: 'SF', name: 'SF Express (顺丰速运)' },
  { code: 'EMS', name: 'China Post EMS (中国邮政EMS)' },
  { code: 'YTO', name: 'YTO Express (圆通速递)' },
  { code: 'ZTO', name: 'ZTO Express (中通快递)' },
  { code: 'STO', name: 'STO Express (申通快递)' },
  { code: 'YUNDA', name: 'Yunda Express (韵达快递)' },
  { code: 'JD', name: 'JD Logistics (京东物流)' },
  { code: 'JT', name: 'J&T Express (极兔速递)' },
];
