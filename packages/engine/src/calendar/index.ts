export { UTC_CALENDAR, localDate, localDateSql, localMonth, tenantCalendar, today, type TenantCalendar } from './calendar.ts';
