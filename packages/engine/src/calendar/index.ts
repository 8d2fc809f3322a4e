export { UTC_CALENDAR, localDate, localDateSql, localMonth, tenantCalendar, today, type TenantCalendar } from './calendar.ts';
export { canonicalKeyIssue, fiscalKeyOf, fiscalQuarterOf, fiscalPrefix, monthsOfKey } from './fiscal.ts';
