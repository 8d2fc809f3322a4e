import { definePlugin } from 'attain:sdk';

interface Settings {
  bigDeal?: number;
  welcomeSubject?: string;
}

export default definePlugin<Settings>({
  hooks: {
    'beforeUpdate:opportunity': async (event, attain) => {
      const stage = event.record?.stage;
      if (stage !== 'closed_won' && stage !== 'closed_lost') return;
      const amount = Number(event.record?.amount ?? event.before?.amount ?? 0);
      // A patch that clears next_step counts as no next step; one that leaves it out keeps the stored one.
      const nextStep = event.record && 'next_step' in event.record ? event.record.next_step : event.before?.next_step;
      if (stage === 'closed_won' && amount >= (attain.settings.bigDeal ?? 100000) && !nextStep) {
        return { refuse: `A deal of ${amount} needs a next step before it is won.` };
      }
      return { set: { probability: stage === 'closed_won' ? 1 : 0 } };
    },
    'afterCreate:customer': async (event, attain) => {
      const existing = await attain.records.list('activity', { filter: { customer_id: { eq: event.id } }, limit: 1 });
      if (existing.length > 0) return;
      await attain.records.create('activity', {
        subject: attain.settings.welcomeSubject ?? 'Welcome call',
        kind: 'call',
        occurred_at: new Date().toISOString(),
        customer_id: event.id,
        // Records a plugin creates have no owner unless it names one: the customer's owner sees the task.
        ...(typeof event.record?.owner_id === 'string' ? { owner_id: event.record.owner_id } : {}),
      });
    },
  },
});
