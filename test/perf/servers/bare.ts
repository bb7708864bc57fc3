// Baseline: a bare Koa server answering the same JSON as GET /v1/me, with no middleware at all.
import Koa from 'koa';

const app = new Koa();
const body = {
  kind: 'api_key',
  key_id: 'key_0123456789ab',
  name: 'bench',
  plan: 'enterprise',
  usage: { period: '2026-11', used: 1, monthly_quota: null, per_minute: 3000, resets_at: '2026-12-01T00:00:00.000Z' },
};
app.use((ctx) => {
  if (ctx.method === 'GET' && ctx.path === '/v1/me') ctx.body = body;
});
const server = app.listen(0, '127.0.0.1', () => {
  const addr = server.address();
  process.send?.({ url: `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}` });
});
process.once('SIGINT', () => process.exit(0));
