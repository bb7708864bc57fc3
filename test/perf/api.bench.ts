// npm run bench:api — requests/s and latency of an authenticated trivial endpoint (GET /v1/me)
// through our whole middleware stack, as a ratio against a bare Koa server measured in the same
// run on the same machine. Each server runs in its own process; autocannon drives both from this
// one. Rounds alternate (bare, ours, bare, ours, …) so drift hits both alike; the median round of
// each is reported. Target: ours ≥ 70% of bare Koa's throughput.
import { fork, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';

const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 6);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);

interface Started {
  child: ChildProcess;
  url: string;
  key?: string;
}

function start(script: string, args: string[] = []): Promise<Started> {
  const child = fork(script, args, { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    child.once('message', (m: { url: string; key?: string }) => resolve({ child, ...m }));
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
  });
}

async function load(url: string, headers: Record<string, string>) {
  const r = await autocannon({ url: `${url}/v1/me`, connections: CONNECTIONS, duration: DURATION_S, headers });
  if (r.non2xx || r.errors)
    throw new Error(`${url}: ${r.non2xx} non-2xx and ${r.errors} errors — the benchmark measured failures`);
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, total: r.requests.total };
}

const median = <T>(xs: T[], by: (x: T) => number) => [...xs].sort((a, b) => by(a) - by(b))[Math.floor(xs.length / 2)]!;

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sf-bench-'));
const here = path.dirname(new URL(import.meta.url).pathname);
const bare = await start(path.join(here, 'servers/bare.ts'));
const ours = await start(path.join(here, 'servers/ours.ts'), [dataDir]);
try {
  const warm = { duration: 2 };
  await autocannon({ url: `${bare.url}/v1/me`, connections: CONNECTIONS, ...warm });
  await autocannon({
    url: `${ours.url}/v1/me`,
    connections: CONNECTIONS,
    headers: { 'x-api-key': ours.key! },
    ...warm,
  });
  const bareRuns = [];
  const ourRuns = [];
  for (let i = 0; i < ROUNDS; i++) {
    bareRuns.push(await load(bare.url, {}));
    ourRuns.push(await load(ours.url, { 'x-api-key': ours.key! }));
    console.log(`round ${i + 1}: bare ${bareRuns[i]!.rps.toFixed(0)} req/s, ours ${ourRuns[i]!.rps.toFixed(0)} req/s`);
  }
  const b = median(bareRuns, (r) => r.rps);
  const o = median(ourRuns, (r) => r.rps);
  const ratio = o.rps / b.rps;
  console.log(
    `\nGET /v1/me, ${CONNECTIONS} connections, ${DURATION_S} s × ${ROUNDS} rounds, ${os.cpus().length} cores (${os.cpus()[0]?.model ?? '?'})`,
  );
  console.log(`                     req/s     p50 ms   p99 ms`);
  console.log(
    `bare Koa         ${b.rps.toFixed(0).padStart(9)} ${String(b.p50).padStart(9)} ${String(b.p99).padStart(8)}`,
  );
  console.log(
    `SpatialForge     ${o.rps.toFixed(0).padStart(9)} ${String(o.p50).padStart(9)} ${String(o.p99).padStart(8)}`,
  );
  console.log(
    `throughput ratio (ours / bare): ${ratio.toFixed(3)}  target ≥ 0.70  ${ratio >= 0.7 ? 'MET' : 'NOT MET'}`,
  );
} finally {
  bare.child.kill();
  ours.child.kill();
  fs.rmSync(dataDir, { recursive: true, force: true });
}
