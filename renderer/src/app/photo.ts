import { putFile } from './binaries.js';

/** A photo the user opened: the file stays in the binary registry under `fileId`. */
export interface PhotoRef {
  fileId: string;
  name: string;
  bytes: number;
  /** Object URL for <img>; revoked when the photo is replaced. */
  url: string;
  /** Upright size as the browser decoded it (EXIF orientation applied); null if it cannot show it. */
  width: number | null;
  height: number | null;
}

export type FileKind = 'image' | 'video' | 'ply' | 'other';

export function kindOf(file: File): FileKind {
  const name = file.name.toLowerCase();
  if (name.endsWith('.ply')) return 'ply';
  if (file.type.startsWith('video/') || /\.(mp4|mov|m4v|webm|mkv|avi)$/.test(name)) return 'video';
  if (file.type.startsWith('image/') || /\.(jpe?g|png|webp|tiff?|avif|gif|heic|bmp)$/.test(name)) return 'image';
  return 'other';
}

/** Registers the file and reads its displayed size (never fails: an undecodable file gets null). */
export async function openPhoto(file: File): Promise<PhotoRef> {
  const url = URL.createObjectURL(file);
  const size = await new Promise<{ w: number; h: number } | null>((resolve) => {
    const img = new Image();
    img.onload = () => resolve(img.naturalWidth > 0 ? { w: img.naturalWidth, h: img.naturalHeight } : null);
    img.onerror = () => resolve(null);
    img.src = url;
  });
  return {
    fileId: putFile(file),
    name: file.name,
    bytes: file.size,
    url,
    width: size?.w ?? null,
    height: size?.h ?? null,
  };
}
