/** Each demo city's province, so the leader's province map has shapes to colour. */
export const PROVINCE_OF: Record<string, string> = {
  Shanghai: 'Shanghai',
  Hangzhou: 'Zhejiang',
  Ningbo: 'Zhejiang',
  Nanjing: 'Jiangsu',
  Suzhou: 'Jiangsu',
  Beijing: 'Beijing',
  Tianjin: 'Tianjin',
  Jinan: 'Shandong',
  Qingdao: 'Shandong',
  Shijiazhuang: 'Hebei',
  Guangzhou: 'Guangdong',
  Shenzhen: 'Guangdong',
  Dongguan: 'Guangdong',
  Xiamen: 'Fujian',
  Fuzhou: 'Fujian',
};
