// The one decimal/money module: parsing numbers and strings alike, bounds, scale, exact
// arithmetic, rounding modes and the largest-remainder apportionment (properties + examples).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  apportion,
  apportionUnits,
  ApportionError,
  checkDecimal,
  Registry,
  compareDecimal,
  currencyScale,
  divRound,
  fieldDecimalBounds,
  formatDecimal,
  fromUnits,
  movePoint,
  parseDecimal,
  recordCurrency,
  roundDecimal,
  unitsAt,
} from '@attain/meta';
import { dec, div, fmt, isDecText, mul, round } from '@attain/meta/decimal/fixed';

const units = fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n });
const scale = fc.integer({ min: 0, max: 12 });

describe('parsing', () => {
  it('reads numbers as the decimal they print, strings as written, and never accepts exponents in text', () => {
    expect(parseDecimal('1000000.01')).toEqual({ units: 100000001n, scale: 2 });
    expect(parseDecimal(0.1)).toEqual({ units: 1n, scale: 1 });
    expect(parseDecimal(-5)).toEqual({ units: -5n, scale: 0 });
    expect(parseDecimal(1e21)).toEqual({ units: 10n ** 21n, scale: 0 });
    expect(parseDecimal(1.5e-7)).toEqual({ units: 15n, scale: 8 });
    for (const bad of ['1e3', ' 5', '', '.5', '5.', '0x10', 'NaN', Number.NaN, Infinity, null, true, {}, '1'.repeat(81)]) expect(parseDecimal(bad)).toBeUndefined();
  });

  it('round-trips any value through its text', () => {
    fc.assert(
      fc.property(units, scale, (u, s) => {
        const text = fromUnits(u, s);
        expect(parseDecimal(text)).toEqual({ units: u, scale: s });
      }),
    );
  });

  it('a JS number parses to the decimal that prints it back (no float error introduced)', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (n) => {
        const text = formatDecimal(parseDecimal(n)!);
        expect(text).not.toMatch(/e/i);
        expect(Number(text)).toBe(n === 0 ? 0 : n);
      }),
    );
  });
});

describe('bounds and scale', () => {
  const money = { scale: 2, precision: 18, minimum: 0 };
  it('numbers and numeric strings meet the same rules', () => {
    expect(checkDecimal('-5.00', money)).toMatchObject({ ok: false, rule: 'minimum' });
    expect(checkDecimal(-5, money)).toMatchObject({ ok: false, rule: 'minimum' });
    expect(checkDecimal('1.5', { scale: 6, maximum: 1 })).toMatchObject({ ok: false, rule: 'maximum' });
    expect(checkDecimal('10.001', money)).toMatchObject({ ok: false, rule: 'scale' });
    expect(checkDecimal(10.001, money)).toMatchObject({ ok: false, rule: 'scale' });
    expect(checkDecimal('10.000', money)).toMatchObject({ ok: true, text: '10.00' });
    expect(checkDecimal('10000000000000000', money)).toMatchObject({ ok: false, rule: 'range' });
    expect(checkDecimal(1e21, money)).toMatchObject({ ok: false, rule: 'range' });
    expect(checkDecimal('9999999999999999.99', money)).toMatchObject({ ok: true, text: '9999999999999999.99' });
    expect(checkDecimal('1e3', money)).toMatchObject({ ok: false, rule: 'type' });
    // numeric(4, 4): only values below one
    expect([checkDecimal('0.9999', { scale: 4, precision: 4 }).ok, checkDecimal('-0.5', { scale: 4, precision: 4 }).ok, checkDecimal('1', { scale: 4, precision: 4 }).ok]).toEqual([true, true, false]);
  });

  it('accepts exactly the values that fit without rounding', () => {
    fc.assert(
      fc.property(units, scale, scale, (u, s, fieldScale) => {
        const r = checkDecimal(fromUnits(u, s), { scale: fieldScale });
        const fits = s <= fieldScale || u % 10n ** BigInt(s - fieldScale) === 0n;
        expect(r.ok).toBe(fits);
        if (r.ok) expect(compareDecimal(parseDecimal(r.text)!, { units: u, scale: s })).toBe(0);
      }),
    );
  });

  it('knows the currencies whose minor unit is not a cent', () => {
    expect([currencyScale('JPY'), currencyScale('usd'), currencyScale('KWD'), currencyScale(undefined)]).toEqual([0, 2, 3, 2]);
  });
});

describe('rounding', () => {
  it('rounds ties by mode', () => {
    const at = (text: string, mode: Parameters<typeof roundDecimal>[2]) => formatDecimal(roundDecimal(parseDecimal(text)!, 0, mode));
    expect(['2.5', '-2.5', '3.5', '2.4'].map((v) => at(v, 'half_up'))).toEqual(['3', '-3', '4', '2']);
    expect(['2.5', '-2.5', '3.5'].map((v) => at(v, 'half_even'))).toEqual(['2', '-2', '4']);
    expect(['2.5', '-2.5', '2.6'].map((v) => at(v, 'half_down'))).toEqual(['2', '-2', '3']);
    expect(['2.1', '-2.1'].map((v) => at(v, 'down'))).toEqual(['2', '-2']);
    expect(['2.1', '-2.1'].map((v) => at(v, 'up'))).toEqual(['3', '-3']);
    expect(['2.1', '-2.1'].map((v) => at(v, 'floor'))).toEqual(['2', '-3']);
    expect(['2.1', '-2.1'].map((v) => at(v, 'ceiling'))).toEqual(['3', '-2']);
    expect(() => unitsAt(parseDecimal('1.001')!, 2)).toThrow(/decimal places/);
  });

  it('every mode lands within one unit of the exact quotient, on the right side', () => {
    fc.assert(
      fc.property(units, fc.bigInt({ min: 1n, max: 10n ** 12n }), fc.constantFrom('half_up', 'half_even', 'half_down', 'down', 'up', 'floor', 'ceiling' as const), (n, d, mode) => {
        const q = divRound(n, d, mode);
        const diff = q * d - n; // how far q·d is from n
        expect(diff < 0n ? -diff : diff).toBeLessThan(d);
        if (mode === 'floor') expect(diff <= 0n).toBe(true);
        if (mode === 'ceiling') expect(diff >= 0n).toBe(true);
        if (mode.startsWith('half')) expect((diff < 0n ? -diff : diff) * 2n <= d).toBe(true);
      }),
    );
  });

  it('fixed-scale arithmetic is exact where it can be', () => {
    expect(fmt(mul(dec('1000000.01'), dec('0.05')))).toBe('50000.0005');
    expect(fmt(div(dec(1), dec(3)))).toBe('0.3333333333');
    expect(fmt(round(dec('2.345'), 2, 'half_even'))).toBe('2.34');
    expect(fmt(dec(1e21))).toBe('1000000000000000000000');
    // client values a Dec cannot hold exactly are refused where checked, not rounded
    expect([isDecText('0.1234567891'), isDecText(' 2.5 '), isDecText('0.12345678901'), isDecText('0.12345678910'), isDecText('x'), isDecText(Number.NaN)]).toEqual([
      true,
      true,
      false,
      true,
      false,
      false,
    ]);
  });
});

describe('apportionment', () => {
  it('a 7-way split of 1,000,000.01 sums to it exactly; leftover cents go to the earliest equal shares', () => {
    const parts = apportion('1000000.01', Array(7).fill('1'), 2);
    expect(parts).toEqual(['142857.15', '142857.15', '142857.15', '142857.14', '142857.14', '142857.14', '142857.14']);
    expect(apportion('-0.05', ['1', '1'], 2)).toEqual(['-0.03', '-0.02']);
    expect(apportion('100', ['60.5', '39.5'], 0)).toEqual(['61', '39']);
    expect(() => apportion('1.001', ['1'], 2)).toThrow(/decimal places/);
    expect(() => apportionUnits(5n, [0n, 0n])).toThrow(ApportionError);
    expect(() => apportionUnits(5n, [1n, -1n])).toThrow(ApportionError);
  });

  it('parts sum to the total, each within one unit of its exact share, larger weights never get less', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 15n), max: 10n ** 15n }), fc.array(fc.bigInt({ min: 0n, max: 10n ** 6n }), { minLength: 1, maxLength: 12 }), (total, weights) => {
        fc.pre(weights.some((w) => w > 0n));
        const parts = apportionUnits(total, weights);
        const sumW = weights.reduce((a, w) => a + w, 0n);
        expect(parts.reduce((a, p) => a + p, 0n)).toBe(total);
        parts.forEach((p, i) => {
          const diff = p * sumW - total * weights[i]!;
          expect((diff < 0n ? -diff : diff) < sumW).toBe(true);
          weights.forEach((w, j) => {
            if (w > weights[i]! && total >= 0n) expect(parts[j]! >= p).toBe(true);
          });
        });
        // deterministic
        expect(apportionUnits(total, weights)).toEqual(parts);
      }),
    );
  });
});

describe('field defaults', () => {
  it('a decimal default the field could not store is refused with the metadata, naming the rule', () => {
    const doc = (props: Record<string, unknown>) => ({ kind: 'object', id: 'obj_x', name: 'x', label: { en: 'X' }, schema: { type: 'object', properties: props }, 'x-attain': { owned: false } });
    const issues = (props: Record<string, unknown>) => {
      const r = Registry.tryFromDocuments([doc(props)]);
      return r.ok ? [] : r.issues.map((i) => `${i.path} ${i.rule}`);
    };
    expect(issues({ fee: { type: 'number', default: 1.005, 'x-attain': { id: 'f1', storage: 'money' } } })).toEqual(['/schema/properties/fee/default default_scale']);
    expect(issues({ fee: { type: 'number', default: -1, minimum: 0, 'x-attain': { id: 'f1', storage: 'money' } } })).toEqual(['/schema/properties/fee/default default_minimum']);
    expect(issues({ fee: { type: 'number', default: 10.5, 'x-attain': { id: 'f1', storage: 'money', currency: 'JPY' } } })).toEqual(['/schema/properties/fee/default default_scale']);
    expect(issues({ fee: { type: 'number', default: 1.5, 'x-attain': { id: 'f1', storage: 'money' } } })).toEqual([]);
  });
});

describe('money whose currency is in another field', () => {
  const doc = (props: Record<string, unknown>) => ({ kind: 'object', id: 'obj_x', name: 'x', label: { en: 'X' }, schema: { type: 'object', properties: props }, 'x-attain': { owned: false } });
  const issues = (props: Record<string, unknown>) => {
    const r = Registry.tryFromDocuments([doc(props)]);
    return r.ok ? [] : r.issues.map((i) => `${i.path} ${i.rule}`);
  };
  const cur = { type: 'string', maxLength: 3, 'x-attain': { id: 'f2' } };
  it('names a text or enum field of the object, on a money field without a fixed currency', () => {
    expect(issues({ fee: { type: 'number', 'x-attain': { id: 'f1', storage: 'money', currencyField: 'cur' } }, cur })).toEqual([]);
    expect(issues({ fee: { type: 'number', 'x-attain': { id: 'f1', storage: 'money', currencyField: 'nope' } }, cur })).toEqual(['/schema/properties/fee/x-attain/currencyField unknown_field']);
    expect(issues({ fee: { type: 'number', 'x-attain': { id: 'f1', storage: 'money', currencyField: 'n' } }, n: { type: 'number', 'x-attain': { id: 'f2' } } })).toEqual([
      '/schema/properties/fee/x-attain/currencyField storage_type',
    ]);
    expect(issues({ fee: { type: 'number', 'x-attain': { id: 'f1', storage: 'decimal', currencyField: 'cur' } }, cur })).toEqual(['/schema/properties/fee/x-attain/currencyField storage_type']);
    expect(issues({ fee: { type: 'number', 'x-attain': { id: 'f1', storage: 'money', currency: 'JPY', currencyField: 'cur' } }, cur })).toEqual([
      '/schema/properties/fee/x-attain/currencyField conflict',
    ]);
  });
  it("the bounds take the stated currency's minor unit, capped by the column", () => {
    const r = Registry.tryFromDocuments([doc({ fee: { type: 'number', 'x-attain': { id: 'f1', storage: 'money', scale: 3, currencyField: 'cur' } }, cur: { ...cur, default: 'USD' } })]);
    if (!r.ok) throw new Error('invalid');
    const o = r.registry.object('x')!;
    const fee = o.fields.find((f) => f.name === 'fee')!;
    const scaleOf = (rec: Record<string, unknown>, create: boolean) => fieldDecimalBounds(fee, recordCurrency(o, fee, rec, create)).scale;
    expect([scaleOf({ cur: 'JPY' }, false), scaleOf({ cur: 'KWD' }, false), scaleOf({ cur: 'BHD' }, true), scaleOf({}, true), scaleOf({}, false), scaleOf({ cur: 'usd' }, false)]).toEqual([
      0, 3, 3, 2, 3, 3,
    ]);
  });
});

describe('moving the point', () => {
  it('multiplies by a power of ten exactly, either way', () => {
    const moved = (v: string, places: number) => formatDecimal(movePoint(parseDecimal(v)!, places));
    expect([moved('0.25', 2), moved('25', -2), moved('-1.5', 3), moved('7', 0), moved('0.001', -3)]).toEqual(['25', '0.25', '-1500', '7', '0.000001']);
    fc.assert(fc.property(units, scale, fc.integer({ min: -8, max: 8 }), (u, s, p) => compareDecimal(movePoint(movePoint({ units: u, scale: s }, p), -p), { units: u, scale: s }) === 0));
  });
});
