import { parseRepublishFrom } from './republish';

describe('republish --from', () => {
  it('takes start, a global position or an ISO time', () => {
    expect(parseRepublishFrom('start')).toEqual({ start: true });
    expect(parseRepublishFrom('1200')).toEqual({ globalPosition: '1200' });
    expect(parseRepublishFrom('2026-11-30T15:00:00Z')).toEqual({
      recordedAt: new Date('2026-11-30T15:00:00Z'),
    });
  });

  it.each([undefined, '', 'beginning', '-5', '1.5', '2026-13-45T99:00:00Z', '30/11/2026'])(
    'refuses %p',
    (text) => expect(parseRepublishFrom(text)).toBeUndefined(),
  );
});
