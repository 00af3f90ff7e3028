import type { ArgumentsHost } from '@nestjs/common';
import { ProblemException } from './problem';
import { ProblemDetailsFilter } from './problem-details.filter';

/** The reply the filter writes to, recorded. */
const answer = (error: unknown, method = 'POST') => {
  const headers: Record<string, string> = {};
  const sent: { status?: number; body?: unknown } = {};
  const reply = {
    headers: (values: Record<string, string>) => Object.assign(headers, values),
    header(name: string, value: string) {
      headers[name] = value;
      return reply;
    },
    status(status: number) {
      sent.status = status;
      return reply;
    },
    send(body: unknown) {
      sent.body = body;
      return reply;
    },
  };
  const host = {
    switchToHttp: () => ({
      getRequest: () => ({ url: '/accounts/a/deposits', method }),
      getResponse: () => reply,
    }),
  } as unknown as ArgumentsHost;
  new ProblemDetailsFilter().catch(error, host);
  return { headers, ...sent };
};

describe('problem details', () => {
  it('invites a retry of an unavailable dependency (Retry-After)', () => {
    const { status, headers } = answer(
      new ProblemException(503, 'dependency-unavailable', 'Service unavailable', 'down'),
    );
    expect(status).toBe(503);
    expect(headers['retry-after']).toBe('1');
  });

  it('never invites a retry of an unknown outcome: no Retry-After', () => {
    const { status, headers, body } = answer(
      new ProblemException(503, 'outcome-unknown', 'Outcome unknown', 'may or may not'),
    );
    expect(status).toBe(503);
    expect(body).toMatchObject({ code: 'outcome-unknown' });
    expect(headers['retry-after']).toBeUndefined();
  });

  it('answers a read whose database answer never came 503, but never a write (its outcome is unknown)', () => {
    const timedOut = () => new Error('Query read timeout');
    expect(answer(timedOut(), 'GET')).toMatchObject({ status: 503, headers: { 'retry-after': '1' } });
    expect(answer(timedOut(), 'POST').status).toBe(500);
  });
});
