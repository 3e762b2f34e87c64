import { parseSettings, queueText, ratingOptions, render } from './settings';

describe('chat settings', () => {
  it('fills the placeholders of both seeds', () => {
    expect(render('排队中，您在队伍中的第#人数#个', { position: 3 })).toBe('排队中，您在队伍中的第3个');
    expect(render('在您之前，还有 {num} 位等待用户，您排在第{index}位', { position: 3 })).toBe('在您之前，还有 2 位等待用户，您排在第3位');
    expect(render('坐席分配成功，{agent}为您服务。', { agent: '小王' })).toBe('坐席分配成功，小王为您服务。');
  });

  it('defaults to the seed texts and switches to the too-long text', () => {
    const s = parseSettings({ messages: { queueTooLong: { enabled: true, over: 2, zh: '第#人数#个，人多', en: 'No. #人数#, busy' } } });
    expect(s.messages.welcome.zh).toContain('很高兴能为您服务');
    expect(queueText(s, 2, 'zh')).toBe('排队中，您在队伍中的第2个');
    expect(queueText(s, 3, 'en')).toBe('No. 3, busy');
  });

  it('offers 2, 3 or 5 rating levels with tags', () => {
    expect(ratingOptions(parseSettings({ rating: { levels: 2 } })).map((o) => o.zh)).toEqual(['满意', '不满意']);
    const five = ratingOptions(parseSettings({ rating: { levels: 5, options: [{ zh: '非常满意', en: 'Great', tags: ['快'] }] } }));
    expect(five).toHaveLength(5);
    expect(five[0]).toEqual({ level: 5, zh: '非常满意', en: 'Great', tags: ['快'] });
    expect(() => parseSettings({ rating: { levels: 4 } })).toThrow();
  });
});
