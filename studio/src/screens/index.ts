// Feature modules that register extra screens import './routes.ts' and call registerRoutes();
// list them here so the shell picks them up. Built-in screens are registered in routes.ts.
export {};
import './dashboards/index.ts';
import './forecast/index.ts';
import './workflow/index.ts';
import './goals/index.ts';
import './incentives/index.ts';
import './fx/index.ts';
import './plugins/index.ts';
import './templates/index.ts';
import './search/index.ts';
import './field/index.ts';
import './daily/index.ts';
import './quality/index.ts';
import './monitoring/index.ts';
import './integrations/index.ts';
import './imports/index.ts';
