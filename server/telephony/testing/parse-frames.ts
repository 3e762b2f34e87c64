/** Runs bytes through the production framing (EslWire over a socket pair) and collects frames. */
import { EventEmitter } from 'node:events';
import { Parser } from 'drachtio-modesl';
import { toFrame, type EslFrame } from '../wire';

/** Parses a byte stream exactly as EslWire does (modesl Parser + toFrame), fed in chunks of `chunk` bytes. */
export function parseFrames(bytes: Buffer, chunk = 1 << 16): EslFrame[] {
  const feed = new EventEmitter();
  const parser = new Parser(feed);
  const frames: EslFrame[] = [];
  parser.on('esl::event', (event, headers, body) => frames.push(toFrame(event, headers, body)));
  parser.on('error', (err) => {
    throw err;
  });
  for (let i = 0; i < bytes.length; i += chunk) feed.emit('data', bytes.subarray(i, i + chunk));
  return frames;
}
