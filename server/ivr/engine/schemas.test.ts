import { promptRef } from './schemas';

const file = (f: string) => promptRef.safeParse({ file: f }).success;

describe('file prompts', () => {
  it.each(['tone_stream://%(100,0,800)', 'tone_stream://L=3;%(100,100,350,440)', 'local_stream://moh', 'silence_stream://100', 'silence_stream://250,1400', 'prompts/welcome.wav', 'custom/a_b-c.1.wav', 'x.wav'])('accepts %s', (f) => {
    expect(file(f)).toBe(true);
  });

  it.each([
    '../../../../etc/passwd',
    'prompts/../../secret.wav',
    '..',
    './x.wav',
    '/etc/passwd',
    '/var/lib/freeswitch/recordings/call.wav',
    '${system(id)}',
    '$${base_dir}/sounds/x.wav',
    '{playback_terminators=none}x.wav',
    'local_stream://${moh}',
    'tone_stream://${x}',
    '`id`.wav',
    'file_string://a.wav!/etc/passwd',
    'shout://evil.example/x.mp3',
    'http://evil.example/x.wav',
    'a b.wav',
    'prompts//x.wav',
    'x.wav\u0000',
  ])('refuses %s', (f) => {
    expect(file(f)).toBe(false);
  });
});
