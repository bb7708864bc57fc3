import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import type { Logger } from 'pino';
import { contract } from '../common/api/contract.js';
import { buildOpenApi } from '../common/api/openapi.js';
import type { Plan } from '../common/plans.js';
import { PRODUCT_NAME, VERSION } from '../common/version.js';
import type { Core } from '../core/core.js';
import { SlidingWindowLimiter } from '../core/rateLimiter.js';
import { hashToken, perMinuteLimits } from './auth.js';
import { createDepthEngine, type DepthEngine } from '../engine-host/index.js';
import { ReconstructService } from '../engine-host/reconService.js';
import { RECONSTRUCT_JOB_TYPE } from '../common/api/reconstructContract.js';
import { POSE_JOB_TYPE } from '../common/api/poseContract.js';
import { PoseJobs } from '../engine-host/poseJobs.js';
import { artifactHandlers } from './handlers/artifacts.js';
import { depthHandlers } from './handlers/depth.js';
import { measureHandlers } from './handlers/measure.js';
import { poseHandlers } from './handlers/pose.js';
import { jobHandlers } from './handlers/jobs.js';
import { reconstructHandlers } from './handlers/reconstruct.js';
import { keyHandlers } from './handlers/keys.js';
import { metaHandlers } from './handlers/meta.js';
import { modelHandlers } from './handlers/models.js';
import { settingsHandlers } from './handlers/settings.js';
import { coalesceWrites } from './middleware/coalesce.js';
import { errorEnvelope } from './middleware/errors.js';
import { hostAndOriginCheck, hostnameOf, LOOPBACK_HOSTNAMES } from './middleware/hostOrigin.js';
import { observe } from './middleware/observe.js';
import { requestId } from './middleware/requestId.js';
import { securityHeaders } from './middleware/securityHeaders.js';
import { buildRouter, type Handlers } from './routes.js';
import { serveRenderer } from './static.js';

export const DEFAULT_PORT = 4780;
export const DEFAULT_HOST = '127.0.0.1';

export interface ServerOptions {
  logger: Logger;
  /** Per-launch token for the desktop renderer (`Authorization: Bearer …`); null accepts none. */
  desktopToken: string | null;
  /** Extra hostnames the Host check accepts (besides loopback), e.g. for a LAN bind. */
  extraHostnames?: readonly string[];
  /** Directory of the built renderer, or null to serve none. */
  rendererDir?: string | null;
  /** Override per-minute limits by plan (benchmarks, tests). */
  perMinute?: Partial<Record<Plan, number | null>>;
  /** Check every JSON response against the contract (tests turn this on). */
  validateResponses?: boolean;
  processMetrics?: boolean;
  /** How often expired artifacts are removed; 0 disables the timer. */
  cleanupIntervalMs?: number;
  /** The inference side; default: one made from the core and the environment (closed with the server). */
  depthEngine?: DepthEngine;
}

export const OPENAPI_INFO = {
  title: PRODUCT_NAME,
  version: VERSION,
  description:
    'Local REST API of the SpatialForge core: depth, measurement, poses, reconstruction and floor plans from photos and videos, on this computer.',
};

/**
 * Builds the Koa application. Middleware order is deliberate, outermost first:
 * 0. write coalescing — responses ready in one event-loop turn are written together at its end;
 * 1. request id — everything after, logs and errors included, can name the request;
 * 2. log line and metrics — outside the error envelope, so they see the final status;
 * 3. security headers — set before anything can throw, so error responses carry them too;
 * 4. error envelope — every error below becomes `{error:{…}}` with the right status;
 * 5. Host/Origin check — refuse rebinding and cross-site requests before any work;
 * 6. the contract's routes, each with deadline → auth → rate limit → quota → body limit →
 *    validation → handler; a known path with another method gets a 405;
 * 7. renderer files, for GET paths no route took.
 * The middleware that need nothing after `next()` are synchronous, so they add no promise hop.
 */
export function createApp(core: Core, options: ServerOptions & { port: () => number }) {
  const metrics = observe({ logger: options.logger, processMetrics: options.processMetrics ?? true });
  const limiter = new SlidingWindowLimiter();
  const openapi = buildOpenApi(contract, OPENAPI_INFO);
  const engine = options.depthEngine ?? createDepthEngine(core, options.logger);
  const recon = new ReconstructService({
    inputs: core.jobInputs,
    jobs: core.jobs,
    artifacts: core.artifacts,
    depth: engine.depth,
    config: engine.inference.config,
    logger: options.logger,
  });
  if (!core.jobs.types.includes(RECONSTRUCT_JOB_TYPE)) recon.register();
  const poseJobs = new PoseJobs({
    inputs: core.jobInputs,
    jobs: core.jobs,
    artifacts: core.artifacts,
    pose: engine.pose,
    config: engine.inference.config,
    logger: options.logger,
  });
  if (!core.jobs.types.includes(POSE_JOB_TYPE)) poseJobs.register();
  const handlers: Handlers = {
    ...metaHandlers({ db: core.db, version: VERSION, startedAtMs: Date.now(), registry: metrics.registry, openapi }),
    ...keyHandlers(core.keys),
    ...artifactHandlers(core.artifacts),
    ...modelHandlers(core.models),
    ...depthHandlers(engine.depth, core.artifacts),
    ...measureHandlers(engine.depth),
    ...poseHandlers(engine.pose, poseJobs, core.artifacts),
    ...jobHandlers(core.jobs),
    ...reconstructHandlers(recon),
    ...settingsHandlers(core, engine),
  };
  const router = buildRouter(contract, handlers, {
    auth: {
      keys: core.keys,
      artifacts: core.artifacts,
      limiter,
      desktopTokenHash: options.desktopToken ? hashToken(options.desktopToken) : null,
      perMinute: perMinuteLimits(options.perMinute),
      now: Date.now,
    },
    validateResponses: options.validateResponses ?? false,
  });

  const app = new Koa({ proxy: false });
  app.silent = true; // errors are logged by our middleware, with the request id
  app
    .use(coalesceWrites())
    .use(requestId())
    .use(metrics.middleware)
    .use(securityHeaders())
    .use(errorEnvelope(options.logger))
    .use(
      hostAndOriginCheck({
        allowedHostnames: [...LOOPBACK_HOSTNAMES, ...(options.extraHostnames ?? [])],
        port: options.port,
      }),
    )
    .use(router.middleware())
    .use(serveRenderer(options.rendererDir ?? null));
  return { app, router, limiter, registry: metrics.registry, openapi, engine, recon };
}

export interface RunningServer {
  url: string;
  port: number;
  host: string;
  close(): Promise<void>;
}

/** Starts the API on `host:port` (port 0 = any free port). */
export async function startServer(
  core: Core,
  options: ServerOptions & { host?: string; port?: number },
): Promise<RunningServer & { app: ReturnType<typeof createApp> }> {
  const host = options.host ?? DEFAULT_HOST;
  let boundPort = 0;
  const bindHostname = hostnameOf(host.includes(':') && !host.startsWith('[') ? `[${host}]` : host);
  const extra = [...(options.extraHostnames ?? [])];
  if (
    bindHostname &&
    !(LOOPBACK_HOSTNAMES as readonly string[]).includes(bindHostname) &&
    bindHostname !== '0.0.0.0' &&
    bindHostname !== '[::]'
  ) {
    extra.push(bindHostname);
  }
  const built = createApp(core, { ...options, extraHostnames: extra, port: () => boundPort });
  const server = http.createServer(
    { requestTimeout: 120_000, headersTimeout: 30_000, maxHeaderSize: 16 * 1024 },
    built.app.callback(),
  );
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? DEFAULT_PORT, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  boundPort = (server.address() as AddressInfo).port;
  core.jobs.start(); // re-leases jobs a dead server left once their leases expire
  const sweep = setInterval(() => built.limiter.sweep(), 60_000);
  sweep.unref();
  const cleanupMs = options.cleanupIntervalMs ?? 10 * 60_000;
  const cleanup =
    cleanupMs > 0
      ? setInterval(() => {
          try {
            const r = core.artifacts.cleanup();
            const inputs = core.jobInputs.sweep();
            if (inputs) options.logger.info({ removed: inputs }, 'stored job inputs removed');
            if (r.removed) options.logger.info(r, 'expired artifacts removed');
          } catch (err) {
            options.logger.error({ err }, 'artifact clean-up failed');
          }
        }, cleanupMs)
      : null;
  cleanup?.unref();
  const urlHost = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
  return {
    url: `http://${urlHost}:${boundPort}`,
    port: boundPort,
    host,
    app: built,
    close: () =>
      new Promise<void>((resolve) => {
        clearInterval(sweep);
        if (cleanup) clearInterval(cleanup);
        server.close(() => {
          // Jobs stop first (running ones go back to the queue), then the engine they may use.
          void core.jobs.stop().then(() => {
            // Only an engine this server made is its to stop.
            if (options.depthEngine) resolve();
            else void built.engine.close().then(resolve, resolve);
          });
        });
        server.closeAllConnections();
      }),
  };
}
