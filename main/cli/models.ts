import type { Command } from 'commander';
import { modelView } from '../api/handlers/models.js';
import type { Core } from '../core/core.js';
import { formatMB } from '../models/download.js';
import type { ModelEvent, ModelStatus } from '../models/modelStore.js';
import { CliError } from './errors.js';

/** Where progress goes: a TTY gets a redrawn bar, anything else plain lines. */
export interface ProgressSink {
  isTTY?: boolean;
  write(text: string): unknown;
}

export interface ModelCliDeps {
  out: (text: string) => void;
  err: (text: string) => void;
  progress?: ProgressSink | undefined;
  withCore: <T>(fn: (core: Core) => T | Promise<T>) => Promise<T>;
}

const licenceWord = (s: ModelStatus) =>
  s.entry.commercial_use === true ? 'commercial' : s.entry.commercial_use === false ? 'research' : 'unclear';

function stateText(s: ModelStatus): string {
  if (s.state === 'downloading' && s.progress) {
    const total = s.progress.totalBytes ? `/${formatMB(s.progress.totalBytes)}` : '';
    return `downloading ${formatMB(s.progress.receivedBytes)}${total}`;
  }
  if (s.state === 'not_installed' && s.partialBytes > 0) return `not_installed (${formatMB(s.partialBytes)} partial)`;
  return s.state;
}

/** A progress line: `42% 41.6/99.1 MB 12.3 MB/s`, with a bar when `bar` is set. */
export function progressText(e: Extract<ModelEvent, { type: 'progress' }>, bar: boolean): string {
  const speed = `${(e.bytesPerSecond / (1024 * 1024)).toFixed(1)} MB/s`;
  if (e.totalBytes === null) return `${formatMB(e.receivedBytes)}  ${speed}`;
  const frac = e.totalBytes > 0 ? Math.min(1, e.receivedBytes / e.totalBytes) : 1;
  const pct = `${Math.floor(frac * 100)}%`.padStart(4);
  const mb = `${(e.receivedBytes / (1024 * 1024)).toFixed(1)}/${formatMB(e.totalBytes)}`;
  if (!bar) return `${pct}  ${mb}  ${speed}`;
  const width = 24;
  const filled = Math.round(frac * width);
  return `${pct} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${mb}  ${speed}`;
}

/** `spatialforge models …` */
export function registerModelCommands(program: Command, deps: ModelCliDeps): void {
  const { out, err, withCore } = deps;
  const models = program
    .command('models')
    .description('list, download, import, verify and remove depth models (files live in <data-dir>/models)');

  models
    .command('list')
    .description('every model of the manifest with its state, size and licence')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      await withCore((core) => {
        const list = core.models.list();
        if (opts.json)
          return out(JSON.stringify({ research_mode: core.models.researchMode, models: list.map(modelView) }));
        out(['ID', 'STATE', 'SIZE', 'LICENCE', 'NAME'].join('\t'));
        for (const s of list) {
          const size = s.entry.bytes === null ? '?' : formatMB(s.entry.bytes);
          const how = s.entry.url === null ? ' (import only)' : '';
          out([s.entry.id, stateText(s), size, licenceWord(s), s.entry.name + how].join('\t'));
        }
        if (list.some((s) => s.entry.commercial_use !== true) && !core.models.researchMode)
          out('\nResearch and unclear licences need research mode: --research-mode or SPATIALFORGE_RESEARCH_MODE=1.');
      });
    });

  models
    .command('pull')
    .description('download a model, check its SHA-256 and install it; Ctrl-C keeps the partial file for a resume')
    .argument('<id>', 'model id (see: spatialforge models list)')
    .action(async (id: string) => {
      await withCore(async (core) => {
        const ac = new AbortController();
        const onSigint = () => ac.abort();
        process.once('SIGINT', onSigint);
        const sink = deps.progress;
        const tty = Boolean(sink?.isTTY);
        let lastDecile = -1;
        let drew = false;
        const onProgress = (e: Extract<ModelEvent, { type: 'progress' }>) => {
          if (tty && sink) {
            sink.write(`\r${progressText(e, true)}  `);
            drew = true;
            return;
          }
          const decile = e.totalBytes
            ? Math.floor((10 * e.receivedBytes) / e.totalBytes)
            : Math.floor(e.receivedBytes / (10 * 1024 * 1024));
          if (decile === lastDecile) return;
          lastDecile = decile;
          err(`${id}: ${progressText(e, false)}`);
        };
        try {
          const before = core.models.get(id);
          if (before.state === 'installed') return out(`${id} is already installed (${core.models.filePath(id)}).`);
          if (before.partialBytes > 0) err(`${id}: resuming from ${formatMB(before.partialBytes)}`);
          const s = await core.models.pull(id, { signal: ac.signal, onProgress });
          if (drew) sink?.write('\n');
          out(
            `Installed ${id} (${formatMB(s.installed?.bytes ?? 0)}, SHA-256 verified) at ${core.models.filePath(id)}.`,
          );
        } catch (e) {
          if (drew) sink?.write('\n');
          if (ac.signal.aborted) {
            throw new CliError(
              `interrupted; the partial download is kept: run "spatialforge models pull ${id}" to resume`,
              130,
            );
          }
          throw e;
        } finally {
          process.off('SIGINT', onSigint);
        }
      });
    });

  models
    .command('import')
    .description('install a model from a local file (copied; checked against the manifest’s SHA-256 when it has one)')
    .argument('<file>', 'the .onnx file')
    .requiredOption('--as <id>', 'the manifest id it is (see: spatialforge models list)')
    .action(async (file: string, opts: { as: string }) => {
      await withCore(async (core) => {
        const s = await core.models.import(file, opts.as);
        const checked = s.entry.sha256 ? 'SHA-256 verified' : 'no SHA-256 in the manifest to check it against';
        out(`Installed ${opts.as} from ${file} (${formatMB(s.installed?.bytes ?? 0)}, ${checked}).`);
      });
    });

  models
    .command('verify')
    .description('re-hash installed models (all, or one); exits 1 if any is corrupt or missing')
    .argument('[id]', 'model id; default: every model with a file or a record')
    .action(async (id: string | undefined) => {
      await withCore(async (core) => {
        const ids = id
          ? [id]
          : core.models
              .list()
              .filter((s) => s.state !== 'not_installed' && s.state !== 'downloading')
              .map((s) => s.entry.id);
        if (!ids.length) return out('No models installed.');
        let bad = 0;
        for (const one of ids) {
          const s = await core.models.verify(one);
          if (s.state === 'installed') out(`ok       ${one}`);
          else {
            bad++;
            out(`${s.state.toUpperCase().padEnd(8)} ${one}: ${s.problem ?? ''}`);
          }
        }
        if (bad) throw new CliError(`${bad} model${bad > 1 ? 's' : ''} failed verification; pull or import again`);
      });
    });

  models
    .command('remove')
    .description('delete a model’s file, its record and any partial download')
    .argument('<id>', 'model id')
    .action(async (id: string) => {
      await withCore(async (core) => {
        await core.models.remove(id);
        out(`Removed ${id}.`);
      });
    });
}
