import { spawn } from 'node:child_process';
import os from 'node:os';
import { UnavailableError } from './errors';

/** Paths of the external media tools, from config (FFMPEG_PATH, ESPEAK_PATH). */
export interface MediaTools {
  ffmpeg: string;
  espeak: string;
}

export class ToolError extends UnavailableError {
  constructor(
    readonly tool: string,
    message: string,
  ) {
    super(message);
  }
}

export interface ToolResult {
  code: number | null;
  stderr: string;
  /** Only when asked for with captureStdout. */
  stdout: Buffer;
}

const DEFAULT_TIMEOUT_MS = 30_000;

/**
 * Runs a media tool as a child process: arguments, never a shell; a timeout that
 * kills it; stderr kept (bounded) for the error message; a clear error when the
 * tool is not installed, naming the Debian package.
 */
export function runTool(cmd: string, args: string[], opts: { pkg: string; stdin?: string; captureStdout?: boolean; timeoutMs?: number; niceness?: number }): Promise<ToolResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['pipe', opts.captureStdout ? 'pipe' : 'ignore', 'pipe'] });
    // Background work (transcoding) yields the CPU to calls: a niceness of 19 runs only on idle cycles.
    if (opts.niceness && child.pid) {
      try {
        os.setPriority(child.pid, opts.niceness);
      } catch {
        // the child already exited; its close event reports the outcome
      }
    }
    let stderr = '';
    const out: Buffer[] = [];
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    child.stdout?.on('data', (d: Buffer) => out.push(d));
    child.stderr!.on('data', (d: Buffer) => {
      if (stderr.length < 4000) stderr += d.toString('utf8');
    });
    child.on('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(new ToolError(cmd, err.code === 'ENOENT' ? `${cmd} is not installed (apt-get install ${opts.pkg})` : `${cmd} failed to start: ${err.message}`));
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr, stdout: Buffer.concat(out) });
    });
    // stdio is ['pipe', …, 'pipe'] above, so stdin and stderr exist.
    child.stdin!.on('error', () => undefined);
    child.stdin!.end(opts.stdin ?? '');
  });
}
