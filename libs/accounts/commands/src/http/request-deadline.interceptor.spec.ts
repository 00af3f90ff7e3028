import type { CallHandler, ExecutionContext } from '@nestjs/common';
import { NEVER, type Observable, firstValueFrom, of } from 'rxjs';
import { DEADLINE_GRACE_MS } from '../pipeline/deadline-guard';
import { OutcomeUnknownError } from '../pipeline/pipeline-errors';
import { REQUEST_DEADLINE_MARGIN_MS, RequestDeadlineInterceptor } from './request-deadline.interceptor';

const deadlineMs = 100;
const interceptor = new RequestDeadlineInterceptor({ streams: { deadlineMs } } as never);
const contextOf = (method: string) =>
  ({
    switchToHttp: () => ({ getRequest: () => ({ method, url: '/transfers?x=1' }) }),
  }) as unknown as ExecutionContext;
const handler = (answer: Observable<unknown>): CallHandler => ({ handle: () => answer });

describe('RequestDeadlineInterceptor', () => {
  it('answers a write that is still waiting at its deadline as outcome-unknown, in time', async () => {
    const started = Date.now();
    const answer = firstValueFrom(interceptor.intercept(contextOf('POST'), handler(NEVER)));
    await expect(answer).rejects.toBeInstanceOf(OutcomeUnknownError);
    await expect(answer).rejects.toThrow('/transfers may or may not have been applied');
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(deadlineMs + DEADLINE_GRACE_MS + REQUEST_DEADLINE_MARGIN_MS - 5);
    expect(elapsed).toBeLessThan(deadlineMs + 1_000);
  });

  it('passes a write answered in time through unchanged', async () => {
    await expect(firstValueFrom(interceptor.intercept(contextOf('POST'), handler(of('done'))))).resolves.toBe(
      'done',
    );
  });

  it('leaves reads alone (their pool bounds them)', () => {
    const never = NEVER;
    expect(interceptor.intercept(contextOf('GET'), handler(never))).toBe(never);
  });
});
