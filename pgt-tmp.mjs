import { PGlite } from '@electric-sql/pglite';
const db = new PGlite();
const q = async (s, p=[]) => { try { console.log(s, JSON.stringify((await db.query(s, p)).rows)); } catch (e) { console.log(s, 'ERR', e.message); } };
await q("select upper('éaß') u, 'b' < 'B' c, 'a' < 'É' d, (1.1::numeric ^ 3)::text p, (10::numeric/3)::text a, (1e12::numeric/3)::text b, round(-0.001, 2)::text r, ('2026-01-31'::date + interval '1 month')::date::text m, mod(-7::numeric, 3)::text mo, current_setting('TimeZone') tz, current_setting('lc_collate') lc, (2::numeric ^ -2)::text pn");
await q("select $1::numeric + $2::numeric as x", ['1.50', '2']);
await q("select pg_typeof(extract(year from '2026-01-01'::date))::text, round(1234::numeric, -2)::text, trunc(-1.55::numeric, 1)::text, ('2024-02-29'::date + interval '1 year')::date::text");
