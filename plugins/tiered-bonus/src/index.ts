import { definePlugin } from 'attain:sdk';
import { tieredBonus } from './bonus.ts';

interface Settings {
  monthlyTarget?: number;
  retention?: number;
}

export default definePlugin<Settings>({
  formulas: {
    /** TIERED_BONUS(amount, attainment, retention) → the bonus as a decimal text, or null for bad input. */
    TIERED_BONUS: (amount, attainment, retention) => tieredBonus(amount, attainment, retention),
  },
  jobs: {
    bonus_notes: async (event, attain) => {
      const month = event.at.slice(0, 7);
      const target = attain.settings.monthlyTarget ?? 100000;
      const retention = attain.settings.retention ?? 0.9;
      const won = await attain.records.list('opportunity', { filter: { stage: { eq: 'closed_won' }, close_date: { gte: `${month}-01` } }, limit: 200 });
      const byOwner = new Map<string, number>();
      for (const o of won) {
        if (typeof o.owner_id !== 'string' || String(o.close_date ?? '').slice(0, 7) !== month) continue;
        byOwner.set(o.owner_id, (byOwner.get(o.owner_id) ?? 0) + Number(o.amount ?? 0));
      }
      for (const [owner, amount] of byOwner) {
        const bonus = tieredBonus(amount, amount / target, retention);
        await attain.records.create('activity', {
          subject: `Bonus so far in ${month}: ${bonus}`,
          kind: 'note',
          occurred_at: event.at,
          notes: `Won ${amount.toFixed(2)} of a ${target} target (attainment ${(amount / target).toFixed(2)}), retention ${retention}. Owner ${owner}.`,
        });
      }
      attain.log(`bonus notes for ${byOwner.size} rep(s)`);
      return { reps: byOwner.size };
    },
  },
});
