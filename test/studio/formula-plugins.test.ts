// The studio's formula editor knows the tenant plugins' formula functions (from GET /plugins, as
// an admin's session loads them): typed and completed like the built-ins, a disabled plugin's
// flagged as the server flags it at metadata apply.
import { afterAll, describe, expect, it } from 'vitest';
import { checkFormula, completions, functionDetail } from '../../studio/src/formula/adapter.ts';
import { setPluginFormulas } from '../../studio/src/formula/plugin-formulas.ts';
import type { ObjectDoc } from '../../studio/src/api/types.ts';

const order = {
  kind: 'object',
  id: 'obj_order',
  name: 'order',
  label: { en: 'Order' },
  schema: { type: 'object', properties: { amount: { type: 'number', 'x-attain': { id: 'fld_amount', storage: 'money' } } } },
  'x-attain': { id: 'obj_order', table: 'order' },
} as unknown as ObjectDoc;

afterAll(() => setPluginFormulas([]));

describe('plugin formula functions in the studio editor', () => {
  it('types, describes and completes an enabled plugin function; flags a disabled one', () => {
    expect(checkFormula('TIERED_BONUS(amount, 1, 0.9)', [order], 'order')).toMatchObject({ ok: false });
    setPluginFormulas([
      { name: 'tiered-bonus', status: 'enabled', version: '1.0.0', formulas: { TIERED_BONUS: { args: ['numeric', 'numeric', 'numeric'], returns: 'money', label: { en: 'Tiered bonus' } } } },
      { name: 'off', status: 'disabled', version: '1.0.0', formulas: { OFF_FN: { args: [], returns: 'number' } } },
      { name: 'pending', status: 'awaiting_consent', version: null, formulas: { NOT_YET: { args: [], returns: 'number' } } },
    ]);
    expect(checkFormula('TIERED_BONUS(amount, 1, 0.9)', [order], 'order')).toEqual({ ok: true, type: 'money' });
    expect(functionDetail('TIERED_BONUS', 'en')).toBe('TIERED_BONUS(arg1, arg2, arg3) — Tiered bonus');
    expect(completions('TIER', [order], 'order', 'en').map((c) => c.text)).toContain('TIERED_BONUS');
    const off = checkFormula('OFF_FN()', [order], 'order');
    expect(off.ok ? '' : off.errors[0]?.message.en).toBe('OFF_FN is a function of plugin "off", which is disabled in this tenant');
    const pending = checkFormula('NOT_YET()', [order], 'order');
    expect(pending.ok ? '' : pending.errors[0]?.message.en).toBe('Unknown function NOT_YET');
  });
});
