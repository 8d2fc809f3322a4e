import { scimRoutes } from '../scim/index.ts';
import { defineModule } from './contract.ts';

/** SCIM 2.0 provisioning: identity providers create, change and deprovision users and org units. */
export const scim = defineModule({
  id: 'scim',
  label: { en: 'SCIM provisioning', 'zh-CN': 'SCIM 用户同步' },
  routes: [scimRoutes],
  permissions: [{ name: 'scim.provision', description: "an API token with the scim scope, minted by an admin; acts with its admin's grants on user and org_unit" }],
});
