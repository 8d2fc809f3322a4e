export { UTC_CALENDAR, localDate, localDateSql, localMonth, tenantCalendar, today, type TenantCalendar } from './calendar.ts';
export { addMonths, canonicalKeyIssue, fiscalKeyOf, fiscalQuarterOf, fiscalPrefix, monthsOfKey } from './fiscal.ts';
