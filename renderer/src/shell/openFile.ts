import { kindOf, openPhoto } from '../app/photo.js';
import { appStore } from '../app/store.js';

export const FILE_INPUT_ID = 'sf-file-input';
export const ACCEPT = 'image/*,video/*,.ply,.tif,.tiff,.avif';

/** Opens the file picker (the one hidden input in the shell). */
export function openPicker(): void {
  document.getElementById(FILE_INPUT_ID)?.click();
}

/**
 * Sends a dropped or picked file to the workspace that takes it: a photo to Measure when Measure
 * is open, otherwise to Depth; a .ply to the Depth 3-D view; a video gets a note saying where it
 * will go. Anything else is handed to the core, which sniffs the bytes and says what it accepts.
 */
export async function openFile(file: File): Promise<void> {
  const s = appStore.getState();
  const kind = kindOf(file);
  if (kind === 'video') {
    s.setNotice(
      `${file.name} is a video. Depth and Measure work on one photo; videos go to Poses and Reconstruct, which are coming. Drop a photo (JPEG, PNG, WebP, TIFF, AVIF) instead.`,
    );
    return;
  }
  if (kind === 'ply') {
    if (s.workspace !== 'depth') s.setWorkspace('depth');
    s.setNotice(null);
    await s.openCloudFile(file);
    return;
  }
  const photo = await openPhoto(file);
  const target = s.workspace === 'measure' ? 'measure' : 'depth';
  if (target !== s.workspace) s.setWorkspace(target);
  s.setNotice(null);
  if (target === 'measure') s.openMeasurePhoto(photo);
  else s.openDepthPhoto(photo);
}
