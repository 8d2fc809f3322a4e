// Payroll file templates per country, as data: the columns and their headers per language, the
// number and date formats, and the earnings code. Adding a country is adding an entry here.
import type { Label } from '@attain/meta';

/** What a column shows of a payee's line (one line per payee and currency). */
export type PayrollField = 'employeeNumber' | 'name' | 'payeeId' | 'unit' | 'period' | 'payDate' | 'earningsCode' | 'currency' | 'amount';

export interface PayrollColumn {
  field: PayrollField;
  header: Label;
}

export interface PayrollTemplate {
  id: string;
  label: Label;
  /** The header language when the request names none. */
  language: 'en' | 'zh-CN' | 'de';
  columns: readonly PayrollColumn[];
  /** CSV field separator (`;` where the decimal separator is a comma). */
  delimiter: ',' | ';';
  decimalSeparator: '.' | ',';
  /** How `payDate` (the period's last day) is written. */
  dateFormat: 'YYYY-MM-DD' | 'MM/DD/YYYY' | 'DD/MM/YYYY' | 'DD.MM.YYYY';
  /** The payroll system's code for incentive pay. */
  earningsCode: string;
}

const h = (en: string, zh: string, de?: string): Label => ({ en, 'zh-CN': zh, ...(de ? { de } : {}) });

export const PAYROLL_TEMPLATES: readonly PayrollTemplate[] = [
  {
    id: 'cn',
    label: h('China', '中国'),
    language: 'zh-CN',
    delimiter: ',',
    decimalSeparator: '.',
    dateFormat: 'YYYY-MM-DD',
    earningsCode: '奖金',
    columns: [
      { field: 'employeeNumber', header: h('Employee number', '工号') },
      { field: 'name', header: h('Name', '姓名') },
      { field: 'unit', header: h('Department', '部门') },
      { field: 'period', header: h('Period', '所属期间') },
      { field: 'earningsCode', header: h('Pay item', '工资项目') },
      { field: 'currency', header: h('Currency', '币种') },
      { field: 'amount', header: h('Bonus payable', '应发奖金') },
    ],
  },
  {
    id: 'us',
    label: h('United States', '美国'),
    language: 'en',
    delimiter: ',',
    decimalSeparator: '.',
    dateFormat: 'MM/DD/YYYY',
    earningsCode: 'COMM',
    columns: [
      { field: 'employeeNumber', header: h('Employee ID', '员工编号') },
      { field: 'name', header: h('Employee Name', '姓名') },
      { field: 'earningsCode', header: h('Earnings Code', '收入代码') },
      { field: 'amount', header: h('Amount', '金额') },
      { field: 'currency', header: h('Currency', '币种') },
      { field: 'payDate', header: h('Pay Period End Date', '工资期间截止日') },
    ],
  },
  {
    id: 'gb',
    label: h('United Kingdom', '英国'),
    language: 'en',
    delimiter: ',',
    decimalSeparator: '.',
    dateFormat: 'DD/MM/YYYY',
    earningsCode: 'BONUS',
    columns: [
      { field: 'employeeNumber', header: h('Payroll ID', '工资编号') },
      { field: 'name', header: h('Employee Name', '姓名') },
      { field: 'earningsCode', header: h('Payment Code', '支付代码') },
      { field: 'amount', header: h('Gross Amount', '税前金额') },
      { field: 'currency', header: h('Currency', '币种') },
      { field: 'payDate', header: h('Period End', '期间截止日') },
    ],
  },
  {
    id: 'de',
    label: h('Germany', '德国', 'Deutschland'),
    language: 'de',
    delimiter: ';',
    decimalSeparator: ',',
    dateFormat: 'DD.MM.YYYY',
    earningsCode: 'Provision',
    columns: [
      { field: 'employeeNumber', header: h('Personnel number', '人员编号', 'Personalnummer') },
      { field: 'name', header: h('Name', '姓名', 'Name') },
      { field: 'earningsCode', header: h('Wage type', '工资类型', 'Lohnart') },
      { field: 'amount', header: h('Amount', '金额', 'Betrag') },
      { field: 'currency', header: h('Currency', '币种', 'Währung') },
      { field: 'payDate', header: h('Period end', '期间截止日', 'Abrechnungszeitraum Ende') },
    ],
  },
];

export const payrollTemplate = (id: string) => PAYROLL_TEMPLATES.find((t) => t.id === id);

export function formatDate(day: string, format: PayrollTemplate['dateFormat']): string {
  const [y = '', m = '', d = ''] = day.split('-');
  if (format === 'MM/DD/YYYY') return `${m}/${d}/${y}`;
  if (format === 'DD/MM/YYYY') return `${d}/${m}/${y}`;
  if (format === 'DD.MM.YYYY') return `${d}.${m}.${y}`;
  return day;
}
