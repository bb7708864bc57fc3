import { useEffect, useState } from 'react';
import { ACCEPT, FILE_INPUT_ID, openFiles } from './openFile.js';

const hasFiles = (e: DragEvent) => e.dataTransfer?.types.includes('Files') ?? false;

/** Accepts a file dropped anywhere in the window, and holds the shell's one file picker. */
export function DropZone() {
  const [over, setOver] = useState(false);

  useEffect(() => {
    let depth = 0; // dragenter/leave fire for every child; count them
    const enter = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      depth++;
      setOver(true);
    };
    const leave = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      depth = Math.max(0, depth - 1);
      if (depth === 0) setOver(false);
    };
    const overHandler = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      if (e.dataTransfer) e.dataTransfer.dropEffect = 'copy';
    };
    const drop = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      depth = 0;
      setOver(false);
      const files = [...(e.dataTransfer?.files ?? [])];
      if (files.length) void openFiles(files);
    };
    window.addEventListener('dragenter', enter);
    window.addEventListener('dragleave', leave);
    window.addEventListener('dragover', overHandler);
    window.addEventListener('drop', drop);
    return () => {
      window.removeEventListener('dragenter', enter);
      window.removeEventListener('dragleave', leave);
      window.removeEventListener('dragover', overHandler);
      window.removeEventListener('drop', drop);
    };
  }, []);

  return (
    <>
      <input
        id={FILE_INPUT_ID}
        data-testid="file-input"
        className="visually-hidden"
        type="file"
        accept={ACCEPT}
        multiple
        tabIndex={-1}
        aria-label="Open a photo, several photos, a video or a point cloud"
        onChange={(e) => {
          const files = [...(e.currentTarget.files ?? [])];
          e.currentTarget.value = ''; // the same file again must fire change
          if (files.length) void openFiles(files);
        }}
      />
      {over && (
        <div className="drop-overlay" aria-hidden="true">
          <div>Drop a photo, several photos or a video</div>
        </div>
      )}
    </>
  );
}
