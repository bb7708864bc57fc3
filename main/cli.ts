import crypto from 'node:crypto';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { PLANS, type Plan } from './common/plans.js';
import { isApiKeyId, type ApiKeyId } from './common/ids.js';
import { KeyNameSchema } from './common/api/schemas.js';
import { PRODUCT_NAME, VERSION } from './common/version.js';
import { apiKeyView } from './api/handlers/keys.js';
import { DEFAULT_HOST, DEFAULT_PORT, startServer } from './api/server.js';
import { openCore, type Core } from './core/core.js';
import { createLogger, flushLogger } from './core/logger.js';
import { CliError } from './cli/errors.js';
import { registerDepthCommand } from './cli/depth.js';
import { registerJobCommands } from './cli/jobs.js';
import { registerMeasureCommand } from './cli/measure.js';
import { registerPoseCommand } from './cli/pose.js';
import { registerReconstructCommand } from './cli/reconstruct.js';
import { registerModelCommands, type ProgressSink } from './cli/models.js';
import { runDoctor } from './doctor.js';
import { rendererDir } from './paths.js';
import { resolveDataDir } from './storage/dataDir.js';

export { CliError };

export interface CliIo {
  out: (text: string) => void;
  err: (text: string) => void;
  /** Raw progress output (a bar when it is a TTY); without it, progress is printed as lines to `err`. */
  progress?: ProgressSink;
}

const defaultIo: CliIo = {
  out: (t) => process.stdout.write(t + '\n'),
  err: (t) => process.stderr.write(t + '\n'),
  progress: process.stderr,
};

function parsePort(value: string): number {
  if (!/^\d{1,5}$/.test(value) || Number(value) > 65535)
    throw new InvalidArgumentError('must be a port number, 0–65535');
  return Number(value);
}

function parsePlan(value: string): Plan {
  if (!(PLANS as readonly string[]).includes(value))
    throw new InvalidArgumentError(`must be one of ${PLANS.join(', ')}`);
  return value as Plan;
}

const isLoopback = (host: string) => ['127.0.0.1', 'localhost', '::1', '[::1]'].includes(host.toLowerCase());

/** Builds the `spatialforge` command. `io` is injectable so tests read what it prints. */
export function buildCli(io: CliIo = defaultIo): Command {
  const program = new Command('spatialforge')
    .description(`${PRODUCT_NAME} — measurements, depth, poses and 3D from photos and videos, on this computer.`)
    .version(VERSION, '-v, --version')
    .option('--data-dir <dir>', 'data folder (default: per-OS location, or $SPATIALFORGE_DATA_DIR)')
    .option('--research-mode', 'allow research-only and unclear model weights (or SPATIALFORGE_RESEARCH_MODE=1)')
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) })
    .exitOverride();

  const dataDir = () => resolveDataDir(program.opts<{ dataDir?: string }>().dataDir);
  // The flag turns research mode on; without it openCore reads SPATIALFORGE_RESEARCH_MODE.
  const coreOptions = () => ({
    dataDir: dataDir(),
    ...(program.opts<{ researchMode?: boolean }>().researchMode && { researchMode: true }),
  });
  const withCore = async <T>(fn: (core: Core) => T | Promise<T>): Promise<T> => {
    const core = openCore(coreOptions());
    try {
      return await fn(core);
    } finally {
      core.close();
    }
  };

  program
    .command('serve')
    .description('run the headless core: the REST API and the web UI')
    .addOption(
      new Option('-p, --port <port>', 'TCP port (0 = any free port)').default(DEFAULT_PORT).argParser(parsePort),
    )
    .option('--host <host>', 'address to bind; anything but loopback exposes the API to your network', DEFAULT_HOST)
    .option('--allow-host <name...>', 'extra Host header names to accept (for a reverse proxy or a LAN name)')
    .addOption(
      new Option('--log-level <level>', 'log level')
        .choices(['fatal', 'error', 'warn', 'info', 'debug', 'silent'])
        .default('info'),
    )
    .action(async (opts: { port: number; host: string; allowHost?: string[]; logLevel: string }) => {
      const options = coreOptions();
      const dir = options.dataDir;
      const core = openCore(options);
      const logger = createLogger(opts.logLevel);
      if (!isLoopback(opts.host)) {
        io.err(
          [
            '',
            '  !!! WARNING: binding to ' + opts.host + ', not loopback.',
            '  !!! Anyone who can reach this machine on the network can call the API with a valid key.',
            '  !!! Traffic is plain HTTP: put a TLS proxy in front of it, and keep your keys secret.',
            '',
          ].join('\n'),
        );
      }
      const token = crypto.randomBytes(24).toString('base64url');
      let server;
      try {
        server = await startServer(core, {
          host: opts.host,
          port: opts.port,
          logger,
          desktopToken: token,
          extraHostnames: (opts.allowHost ?? []).map((h) => h.toLowerCase()),
          rendererDir: rendererDir(),
        });
      } catch (err) {
        core.close();
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'EADDRINUSE')
          throw new CliError(`port ${opts.port} on ${opts.host} is in use; pick another with --port`);
        if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND')
          throw new CliError(`cannot bind to ${opts.host}: no such local address`);
        if (code === 'EACCES') throw new CliError(`not allowed to bind to port ${opts.port}; use a port above 1023`);
        throw err;
      }
      io.err(`${PRODUCT_NAME} ${VERSION} listening on ${server.url} (data: ${dir})`);
      io.err(`Open the app: ${server.url}/#token=${token}`);
      io.err(`API reference: ${server.url}/docs`);
      if (core.models.researchMode) io.err('Research mode is on: research-only model weights are allowed.');
      const stop = (signal: string) => {
        logger.info({ signal }, 'shutting down');
        void server.close().then(() => {
          core.close();
          flushLogger(logger);
          process.exit(0);
        });
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });

  const keys = program.command('keys').description('manage API keys (works while the server runs)');
  keys
    .command('create')
    .description('create an API key; the key is printed once and never stored')
    .requiredOption('--name <name>', 'what the key is for, e.g. "build server"')
    .addOption(new Option('--plan <plan>', 'plan').default('free').argParser(parsePlan))
    .option('--json', 'print JSON')
    .action(async (opts: { name: string; plan: Plan; json?: boolean }) => {
      const name = KeyNameSchema.safeParse(opts.name);
      if (!name.success) throw new CliError(`--name ${name.error.issues[0]?.message ?? 'is invalid'}`);
      await withCore((core) => {
        const { row, key } = core.keys.create(name.data, opts.plan);
        if (opts.json) io.out(JSON.stringify({ ...apiKeyView(core.keys, row), key }));
        else
          io.out(
            `${key}\n\nCreated ${row.id} ("${row.name}", plan ${row.plan}). Copy the key now: it is not shown again.`,
          );
      });
    });
  keys
    .command('list')
    .description('list API keys with this month’s usage')
    .option('--all', 'include revoked keys')
    .option('--json', 'print JSON')
    .action(async (opts: { all?: boolean; json?: boolean }) => {
      await withCore((core) => {
        const views = core.keys.list(Boolean(opts.all)).map((r) => apiKeyView(core.keys, r));
        if (opts.json) return io.out(JSON.stringify({ keys: views }));
        if (!views.length) return io.out('No API keys. Create one with: spatialforge keys create --name NAME');
        io.out(['ID', 'PLAN', 'USED/QUOTA', 'CREATED', 'STATUS', 'NAME'].join('\t'));
        for (const v of views) {
          const quota = v.usage.monthly_quota === null ? '∞' : String(v.usage.monthly_quota);
          io.out(
            [
              v.id,
              v.plan,
              `${v.usage.used}/${quota}`,
              v.created_at.slice(0, 10),
              v.revoked_at ? 'revoked' : 'active',
              v.name,
            ].join('\t'),
          );
        }
      });
    });
  keys
    .command('revoke')
    .description('revoke an API key; it stops working on its next request')
    .argument('<id>', 'key id, e.g. key_0123456789ab')
    .action(async (id: string) => {
      if (!isApiKeyId(id))
        throw new CliError(`"${id}" is not a key id (key_ followed by 12 hex digits); see: spatialforge keys list`);
      await withCore((core) => {
        const row = core.keys.revoke(id as ApiKeyId);
        if (!row) throw new CliError(`no API key ${id}`);
        io.out(`Revoked ${row.id} ("${row.name}").`);
      });
    });

  registerModelCommands(program, { out: io.out, err: io.err, progress: io.progress, withCore });
  registerDepthCommand(program, { out: io.out, err: io.err, withCore });
  registerMeasureCommand(program, { out: io.out, err: io.err, withCore });
  registerPoseCommand(program, { out: io.out, err: io.err, withCore });
  registerReconstructCommand(program, { out: io.out, err: io.err, progress: io.progress, withCore });
  registerJobCommands(program, { out: io.out, err: io.err, progress: io.progress, withCore });

  program
    .command('doctor')
    .description('check this installation: versions, data folder, ONNX execution providers, ffmpeg, disk')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      const report = await runDoctor(dataDir());
      if (opts.json) io.out(JSON.stringify(report, null, 2));
      else {
        io.out(`${PRODUCT_NAME} ${report.version} on Node ${report.node} (${report.platform})`);
        for (const c of report.checks)
          io.out(`${c.ok ? ' ok ' : c.required ? 'FAIL' : 'warn'}  ${c.name}: ${c.detail}`);
      }
      if (report.checks.some((c) => !c.ok && c.required)) throw new CliError('some required checks failed');
    });

  return program;
}

/** Runs the CLI; resolves to the process exit code. */
export async function main(argv: readonly string[], io: CliIo = defaultIo): Promise<number> {
  const program = buildCli(io);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      return err.exitCode === 0 ? 0 : 2; // help/version exit 0; usage errors exit 2 (already printed)
    }
    if (err instanceof CliError) {
      io.err(`error: ${err.message}`);
      return err.exitCode;
    }
    io.err(`error: ${(err as Error).message}`);
    return 1;
  }
}
