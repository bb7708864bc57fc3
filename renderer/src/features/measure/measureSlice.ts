import type { z } from 'zod';
import { REFERENCE_OBJECTS, type MeasureResultSchema } from '../../../../main/common/api/measureContract.js';
import { getFile, release } from '../../app/binaries.js';
import { api } from '../../app/connection.js';
import { toUiError, type UiError } from '../../app/errors.js';
import type { PhotoRef } from '../../app/photo.js';
import type { AppSlice } from '../../app/store.js';

export type MeasureResult = z.output<typeof MeasureResultSchema>;
/** A pixel of the upright photo, (0, 0) = top-left corner of the top-left pixel. */
export type Pt = readonly [number, number];
export type RefKind = 'none' | keyof typeof REFERENCE_OBJECTS | 'custom' | 'length';

export interface Measurement {
  id: number;
  from: Pt;
  to: Pt;
  status: 'running' | 'done' | 'error';
  result: MeasureResult | null;
  error: UiError | null;
  /** The reference it was measured with, in words. */
  reference: string;
}

export interface MeasureState {
  photo: PhotoRef | null;
  /** What the next clicks on the photo are for. */
  mode: 'points' | 'corners' | 'length';
  pending: Pt[];
  refKind: RefKind;
  /** The reference rectangle's corners TL, TR, BR, BL (empty until all four are placed). */
  corners: Pt[];
  /** The known-length segment (empty until both ends are placed). */
  line: Pt[];
  customW: string;
  customH: string;
  lengthM: string;
  items: Measurement[];
  /** A problem with the inputs themselves (e.g. an unfinished reference). */
  error: UiError | null;
}

export interface MeasureSlice {
  measure: MeasureState;
  openMeasurePhoto(photo: PhotoRef): void;
  clickPhoto(p: Pt): void;
  cancelPending(): void;
  setRefKind(kind: RefKind): void;
  placeReference(): void;
  setRefField(field: 'customW' | 'customH' | 'lengthM', text: string): void;
  removeMeasurement(id: number): void;
  clearMeasurements(): void;
}

const initial: MeasureState = {
  photo: null,
  mode: 'points',
  pending: [],
  refKind: 'none',
  corners: [],
  line: [],
  customW: '',
  customH: '',
  lengthM: '',
  items: [],
  error: null,
};

const px = (p: Pt) => `${+p[0].toFixed(2)},${+p[1].toFixed(2)}`;
const localError = (message: string, hint: string | null = null): UiError => ({
  message,
  hint,
  code: null,
  requestId: null,
});
const positive = (s: string) => {
  const v = Number(s.trim());
  return s.trim() !== '' && Number.isFinite(v) && v > 0 ? v : null;
};

/** The reference as form fields, or why it cannot be sent yet. */
export function referenceFields(m: MeasureState): { fields: Record<string, string>; label: string } | UiError {
  const k = m.refKind;
  if (k === 'none') return { fields: {}, label: 'no reference' };
  if (k === 'length') {
    const len = positive(m.lengthM);
    if (m.line.length !== 2)
      return localError('The known length is not drawn yet.', 'Press “Draw”, then click its two ends.');
    if (len === null) return localError('Enter the known length in metres (e.g. 0.5).');
    return {
      fields: {
        reference: 'length',
        reference_from: px(m.line[0]!),
        reference_to: px(m.line[1]!),
        reference_length_m: String(len),
      },
      label: `known length ${len} m`,
    };
  }
  if (m.corners.length !== 4) {
    return localError(
      'The reference corners are not placed yet.',
      'Press “Place corners”, then click them top-left, top-right, bottom-right, bottom-left — or choose no reference.',
    );
  }
  const fields: Record<string, string> = { reference: k, reference_corners: m.corners.map(px).join(',') };
  if (k === 'custom') {
    const w = positive(m.customW);
    const h = positive(m.customH);
    if (w === null || h === null) return localError('Enter the custom rectangle’s width and height in metres.');
    fields.reference_size_m = `${w},${h}`;
    return { fields, label: `custom ${w} × ${h} m` };
  }
  return { fields, label: REFERENCE_OBJECTS[k].label };
}

let nextId = 1;

export const measureSlice: AppSlice<MeasureSlice> = (set, get) => {
  const patch = (p: Partial<MeasureState>) => set((s) => ({ measure: { ...s.measure, ...p } }));
  const patchItem = (id: number, p: Partial<Measurement>) =>
    set((s) => ({
      measure: { ...s.measure, items: s.measure.items.map((it) => (it.id === id ? { ...it, ...p } : it)) },
    }));

  async function run(from: Pt, to: Pt) {
    const m = get().measure;
    const file = m.photo && getFile(m.photo.fileId);
    if (!file) return;
    const ref = referenceFields(m);
    if ('message' in ref) return patch({ error: ref });
    const id = nextId++;
    const item: Measurement = { id, from, to, status: 'running', result: null, error: null, reference: ref.label };
    patch({ items: [...m.items, item], error: null });
    const form = new FormData();
    form.append('image', file, file.name);
    form.append('from', px(from));
    form.append('to', px(to));
    for (const [k, v] of Object.entries(ref.fields)) form.append(k, v);
    try {
      const result = await api().call('measure', { body: { multipart: form } });
      patchItem(id, { status: 'done', result });
    } catch (err) {
      patchItem(id, { status: 'error', error: toUiError(err) });
    }
  }

  return {
    measure: initial,

    openMeasurePhoto(photo) {
      const old = get().measure.photo;
      if (old) {
        URL.revokeObjectURL(old.url);
        release([old.fileId]);
      }
      // A new photo keeps the chosen reference kind and sizes, but not its clicks.
      const m = get().measure;
      const rect = m.refKind !== 'none' && m.refKind !== 'length';
      patch({
        photo,
        items: [],
        pending: [],
        corners: [],
        line: [],
        error: null,
        mode: rect ? 'corners' : m.refKind === 'length' ? 'length' : 'points',
      });
    },

    clickPhoto(p) {
      const m = get().measure;
      if (!m.photo) return;
      const pending = [...m.pending, p];
      if (m.mode === 'corners') {
        if (pending.length < 4) return patch({ pending });
        return patch({ corners: pending, pending: [], mode: 'points', error: null });
      }
      if (m.mode === 'length') {
        if (pending.length < 2) return patch({ pending });
        return patch({ line: pending, pending: [], mode: 'points', error: null });
      }
      if (pending.length < 2) return patch({ pending });
      patch({ pending: [] });
      void run(pending[0]!, pending[1]!);
    },

    cancelPending() {
      patch({ pending: [], mode: 'points' });
    },

    setRefKind(refKind) {
      const rect = refKind !== 'none' && refKind !== 'length';
      patch({
        refKind,
        pending: [],
        corners: rect ? get().measure.corners : [],
        line: refKind === 'length' ? get().measure.line : [],
        mode:
          rect && get().measure.corners.length !== 4
            ? 'corners'
            : refKind === 'length' && !get().measure.line.length
              ? 'length'
              : 'points',
        error: null,
      });
    },

    placeReference() {
      const k = get().measure.refKind;
      if (k === 'none') return;
      if (k === 'length') patch({ mode: 'length', line: [], pending: [] });
      else patch({ mode: 'corners', corners: [], pending: [] });
    },

    setRefField(field, text) {
      patch({ [field]: text } as Partial<MeasureState>);
    },

    removeMeasurement(id) {
      patch({ items: get().measure.items.filter((it) => it.id !== id) });
    },
    clearMeasurements() {
      patch({ items: [] });
    },
  };
};

/** "1.234 m ± 0.012 m": millimetre steps, or a tenth of one when the uncertainty is that small. */
export function formatDistance(distanceM: number, sigmaM: number): { value: string; sigma: string; text: string } {
  const decimals = sigmaM < 0.001 ? 4 : 3;
  const value = distanceM.toFixed(decimals);
  const sigma = sigmaM.toFixed(decimals);
  return { value, sigma, text: `${value} m ± ${sigma} m` };
}

/** The measurements as CSV (one row each, metres and pixels). */
export function measurementsCsv(items: readonly Measurement[]): string {
  const head = 'id,from_x,from_y,to_x,to_y,distance_m,sigma_m,scale_source,on_plane,reference,error';
  const q = (s: string) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  const rows = items.map((it) =>
    [
      it.id,
      it.from[0].toFixed(2),
      it.from[1].toFixed(2),
      it.to[0].toFixed(2),
      it.to[1].toFixed(2),
      it.result?.distance_m ?? '',
      it.result?.sigma_m ?? '',
      it.result?.scale_source ?? '',
      it.result?.on_plane ?? '',
      q(it.reference),
      q(it.error?.message ?? ''),
    ].join(','),
  );
  return [head, ...rows].join('\n') + '\n';
}

/** The measurements as JSON: the clicks, the reference used and the API's full answer. */
export function measurementsJson(photoName: string | null, items: readonly Measurement[]): string {
  return JSON.stringify(
    {
      photo: photoName,
      measurements: items.map((it) => ({
        id: it.id,
        from: it.from,
        to: it.to,
        reference: it.reference,
        result: it.result,
        error: it.error,
      })),
    },
    null,
    2,
  );
}
