// The full SpatialForge stack (every middleware, real SQLite usage counting, JSON logs to a file),
// exactly as `spatialforge serve` runs it, with the enterprise per-minute limit raised so the limiter runs but never refuses the benchmark.
import { startServer } from '../../../main/api/server.js';
import { openCore } from '../../../main/core/core.js';
import { createLogger } from '../../../main/core/logger.js';

const dataDir = process.argv[2]!;
const core = openCore({ dataDir });
const key = core.keys.create('bench', 'enterprise').key;
const server = await startServer(core, {
  port: 0,
  logger: createLogger('info', `${dataDir}/server.log`),
  desktopToken: null,
  perMinute: { enterprise: 1_000_000 },
});
process.send?.({ url: server.url, key });
process.once('SIGINT', () => process.exit(0));
