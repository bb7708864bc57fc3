import { kindOf, openPhoto } from '../app/photo.js';
import { appStore } from '../app/store.js';

export const FILE_INPUT_ID = 'sf-file-input';
export const ACCEPT = 'image/*,video/*,.ply,.tif,.tiff,.avif';

/** Opens the file picker (the one hidden input in the shell; it takes several files). */
export function openPicker(): void {
  document.getElementById(FILE_INPUT_ID)?.click();
}

/**
 * Sends dropped or picked files to the workspace that takes them:
 * - a video, or several photos, to Poses & 3-D (photos dropped there add to its photo set);
 * - one photo to Measure when Measure is open, otherwise to Depth;
 * - a .ply to the 3-D view of Poses & 3-D when that is open, otherwise to Depth's;
 * - anything else to Depth, where the core sniffs the bytes and says what it accepts.
 */
export async function openFiles(files: readonly File[]): Promise<void> {
  const s = appStore.getState();
  const first = files[0];
  if (!first) return;
  const kinds = files.map(kindOf);
  const videos = files.filter((_, i) => kinds[i] === 'video');
  const images = files.filter((_, i) => kinds[i] === 'image');

  if (videos.length || images.length > 1 || (s.workspace === 'poses' && images.length && kinds[0] !== 'ply')) {
    if (s.workspace !== 'poses') s.setWorkspace('poses');
    const skipped = files.length - (videos.length ? 1 : images.length);
    s.setNotice(
      videos.length > 1
        ? `One video at a time: using ${videos[0]!.name}.`
        : skipped > 0
          ? `${skipped} file${skipped > 1 ? 's' : ''} ${skipped > 1 ? 'are' : 'is'} neither a photo nor a video and ${skipped > 1 ? 'were' : 'was'} left out.`
          : null,
    );
    s.addReconInputs(videos.length ? [videos[0]!] : images);
    return;
  }
  if (files.length > 1) s.setNotice(`Opened ${first.name} only: drop one photo, several photos or one video.`);
  else s.setNotice(null);
  if (kinds[0] === 'ply') {
    if (s.workspace === 'poses') await s.openSceneFile(first);
    else {
      if (s.workspace !== 'depth') s.setWorkspace('depth');
      await s.openCloudFile(first);
    }
    return;
  }
  const photo = await openPhoto(first);
  const target = s.workspace === 'measure' ? 'measure' : 'depth';
  if (target !== s.workspace) s.setWorkspace(target);
  if (target === 'measure') s.openMeasurePhoto(photo);
  else s.openDepthPhoto(photo);
}
