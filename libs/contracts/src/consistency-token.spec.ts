import { decodeConsistencyToken, encodeConsistencyToken } from './consistency-token';

describe('consistency token', () => {
  it('round-trips', () => {
    const token = encodeConsistencyToken({ streamId: 'account-a1', version: 3 });
    expect(decodeConsistencyToken(token)).toEqual({ streamId: 'account-a1', version: 3 });
  });

  it.each(['', 'not-base64!', Buffer.from('{"s":1,"v":2}').toString('base64url'), 'x'.repeat(600)])(
    'rejects %p',
    (token) => expect(decodeConsistencyToken(token)).toBeUndefined(),
  );
});
