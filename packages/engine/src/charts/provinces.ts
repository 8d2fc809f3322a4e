/**
 * China's provincial-level divisions: the GB/T 2260 code, the short Chinese name the map's
 * GeoJSON (china-geojson) names its shapes by, the full name and the English (pinyin) name. Data
 * holds provinces every way people write them ("广东省", "广东", "Guangdong", "44"), so a map
 * widget matches any of them to one shape.
 */
const PROVINCES: ReadonlyArray<readonly [code: string, short: string, full: string, english: string]> = [
  ['11', '北京', '北京市', 'Beijing'],
  ['12', '天津', '天津市', 'Tianjin'],
  ['13', '河北', '河北省', 'Hebei'],
  ['14', '山西', '山西省', 'Shanxi'],
  ['15', '内蒙古', '内蒙古自治区', 'Inner Mongolia'],
  ['21', '辽宁', '辽宁省', 'Liaoning'],
  ['22', '吉林', '吉林省', 'Jilin'],
  ['23', '黑龙江', '黑龙江省', 'Heilongjiang'],
  ['31', '上海', '上海市', 'Shanghai'],
  ['32', '江苏', '江苏省', 'Jiangsu'],
  ['33', '浙江', '浙江省', 'Zhejiang'],
  ['34', '安徽', '安徽省', 'Anhui'],
  ['35', '福建', '福建省', 'Fujian'],
  ['36', '江西', '江西省', 'Jiangxi'],
  ['37', '山东', '山东省', 'Shandong'],
  ['41', '河南', '河南省', 'Henan'],
  ['42', '湖北', '湖北省', 'Hubei'],
  ['43', '湖南', '湖南省', 'Hunan'],
  ['44', '广东', '广东省', 'Guangdong'],
  ['45', '广西', '广西壮族自治区', 'Guangxi'],
  ['46', '海南', '海南省', 'Hainan'],
  ['50', '重庆', '重庆市', 'Chongqing'],
  ['51', '四川', '四川省', 'Sichuan'],
  ['52', '贵州', '贵州省', 'Guizhou'],
  ['53', '云南', '云南省', 'Yunnan'],
  ['54', '西藏', '西藏自治区', 'Tibet'],
  ['61', '陕西', '陕西省', 'Shaanxi'],
  ['62', '甘肃', '甘肃省', 'Gansu'],
  ['63', '青海', '青海省', 'Qinghai'],
  ['64', '宁夏', '宁夏回族自治区', 'Ningxia'],
  ['65', '新疆', '新疆维吾尔自治区', 'Xinjiang'],
  ['71', '台湾', '台湾省', 'Taiwan'],
  ['81', '香港', '香港特别行政区', 'Hong Kong'],
  ['82', '澳门', '澳门特别行政区', 'Macau'],
];

/** Lower case without spaces, hyphens or a trailing "province"/"shi"/"sheng": how names are compared. */
const plain = (s: string): string =>
  s
    .trim()
    .toLowerCase()
    .replace(/[\s\-_.]/g, '')
    .replace(/(province|municipality|autonomousregion|sar|sheng|shi)$/, '');

const BY_NAME = new Map<string, string>();
for (const [code, short, full, english] of PROVINCES) {
  for (const name of [code, `${code}0000`, short, full, english]) BY_NAME.set(plain(name), short);
}
// Other spellings in common use.
for (const [alias, short] of [
  ['neimenggu', '内蒙古'],
  ['xizang', '西藏'],
  ['hongkong', '香港'],
  ['macao', '澳门'],
  ['shaanxi', '陕西'],
] as const) {
  BY_NAME.set(alias, short);
}

/** The map shape's name for a province written any of the usual ways, or undefined. */
export function provinceShape(value: string | null | undefined): string | undefined {
  if (!value) return undefined;
  return BY_NAME.get(plain(value));
}
