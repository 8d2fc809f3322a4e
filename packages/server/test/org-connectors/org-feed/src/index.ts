import { definePlugin, type OrgSyncInput } from 'attain:sdk';

interface Settings {
  feedUrl: string;
}

// Whatever the feed serves goes to the host as is: the host, not this code, must refuse bad input.
export default definePlugin<Settings>({
  jobs: {
    sync: async (_event, attain) => {
      const feed = await attain.fetch(`${attain.settings.feedUrl}/snapshot`);
      let out: unknown;
      try {
        out = { ok: true, result: await attain.org.sync(feed.json as OrgSyncInput) };
      } catch (error) {
        out = { ok: false, error: error instanceof Error ? error.message : String(error) };
      }
      await attain.fetch(`${attain.settings.feedUrl}/result`, { method: 'POST', json: out });
      return out;
    },
  },
});
