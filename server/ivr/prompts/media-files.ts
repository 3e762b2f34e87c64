/**
 * Where a flow's `file` prompts may point on disk: files under MEDIA_DIR, checked after
 * resolving symlinks, so neither `..` nor a link inside MEDIA_DIR reaches another file.
 * (FreeSWITCH's built-in streams never get here; see isStreamFile.)
 */
import fs from 'node:fs';
import path from 'node:path';

export type Located = { file: string } | { problem: string };

/** What flow validation needs of MEDIA_DIR. */
export interface MediaLocator {
  locate(rel: string): Located;
}

function within(root: string, p: string): boolean {
  return p === root || p.startsWith(root + path.sep);
}

export class MediaFiles implements MediaLocator {
  readonly root: string;

  constructor(mediaDir: string) {
    this.root = path.resolve(mediaDir);
  }

  /** The real absolute file a media path of a flow names, or why it may not be played. */
  locate(rel: string): Located {
    const abs = path.resolve(this.root, rel);
    if (path.isAbsolute(rel) || !within(this.root, abs)) return { problem: `"${rel}" is not under MEDIA_DIR` };
    let real: string;
    let root: string;
    try {
      root = fs.realpathSync(this.root);
      real = fs.realpathSync(abs);
    } catch {
      return { problem: `file "${rel}" does not exist under MEDIA_DIR` };
    }
    if (!within(root, real)) return { problem: `"${rel}" leads outside MEDIA_DIR (a symbolic link)` };
    if (!fs.statSync(real).isFile()) return { problem: `"${rel}" is not a file` };
    return { file: real };
  }
}
