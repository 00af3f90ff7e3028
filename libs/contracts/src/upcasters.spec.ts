import { upcast, upcastWith, type Upcasters } from './upcasters';

describe('upcasters', () => {
  it('chains upcasters until the latest version', () => {
    const upcasters: Upcasters = {
      'tally.spec.thing': {
        1: ({ amt }) => ({ amount: amt }),
        2: (data) => ({ ...data, source: 'unknown' }),
      },
    };
    const event = { type: 'tally.spec.thing', schemaVersion: 1, data: { amt: 7 } };
    expect(upcastWith(upcasters, event as never)).toMatchObject({
      schemaVersion: 3,
      data: { amount: 7, source: 'unknown' },
    });
  });

  it('leaves the latest version alone', () => {
    const event = { type: 'tally.spec.other', schemaVersion: 1, data: { amount: 7 } };
    expect(upcast(event as never)).toBe(event);
  });
});
