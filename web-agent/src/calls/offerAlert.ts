/**
 * Sound and a system notification when a contact is offered, so an agent in another
 * tab or window notices. The ring is synthesised (Web Audio): no media file to fetch,
 * and it works offline. Browsers only allow audio after a user gesture: unlock() runs
 * on the first click in the page.
 */
let ctx: AudioContext | null = null;

export function unlockAudio(): void {
  try {
    ctx ??= new AudioContext();
    if (ctx.state === 'suspended') void ctx.resume();
  } catch {
    ctx = null; // no audio output: notifications still work
  }
}

/** Asked when the agent goes ready (a gesture), not on load: browsers ignore unprompted asks. */
export function askNotificationPermission(): void {
  if ('Notification' in window && Notification.permission === 'default') void Notification.requestPermission();
}

export function ring(): void {
  if (!ctx || ctx.state !== 'running') return;
  const t = ctx.currentTime;
  for (const start of [0, 0.5]) {
    const osc = ctx.createOscillator();
    const gain = ctx.createGain();
    osc.frequency.value = 440;
    gain.gain.setValueAtTime(0.0001, t + start);
    gain.gain.exponentialRampToValueAtTime(0.2, t + start + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, t + start + 0.4);
    osc.connect(gain).connect(ctx.destination);
    osc.start(t + start);
    osc.stop(t + start + 0.42);
  }
}

export function notify(title: string, body: string, tag: string): void {
  if (!('Notification' in window) || Notification.permission !== 'granted' || document.hasFocus()) return;
  const n = new Notification(title, { body, tag });
  n.onclick = () => {
    window.focus();
    n.close();
  };
}
