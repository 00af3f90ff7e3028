import 'reflect-metadata';
import { ValidationPipe, type Type } from '@nestjs/common';
import { MAX_AMOUNT } from '@tally/accounts-domain';
import { createValidationPipe } from '@tally/http';
import { seededRandom } from '@tally/testing';
import { DepositMoneyBody, plainlyValidDeposit } from '../deposit-money/deposit-money.http';
import { FastBodyPipe, type PlainlyValid } from './fast-body';
import { MoneyAmountBody, plainlyValidAmount } from './money-amount.dto';

const amounts = [
  1,
  5,
  MAX_AMOUNT,
  MAX_AMOUNT + 1,
  0,
  -1,
  1.5,
  1e21,
  '5',
  '1e3',
  null,
  true,
  [5],
  {},
  2 ** 53,
];
const sources = [
  undefined,
  'cash',
  'a',
  'x'.repeat(32),
  'x'.repeat(33),
  '',
  'Cash',
  'ca sh',
  3,
  null,
  ['cash'],
];
const extras: Record<string, unknown>[] = [
  {},
  { extra: 1 },
  { constructor: 1 },
  { toString: 'x' },
  { amount2: 5 },
];

/** Every combination of the values above, plus random mixes (seeded, so a failure replays). */
function bodies(): unknown[] {
  const all: unknown[] = [undefined, null, [], 'x', 5];
  for (const amount of [...amounts, undefined])
    for (const source of sources)
      for (const extra of extras)
        all.push({
          ...(amount === undefined ? {} : { amount }),
          ...(source === undefined ? {} : { source }),
          ...extra,
        });
  const random = seededRandom(20261128);
  for (let i = 0; i < 500; i++)
    all.push({
      amount: random.chance(0.8) ? random.int(-3, MAX_AMOUNT + 3) : random.pick(amounts),
      ...(random.chance(0.5) ? { source: random.pick(sources) } : {}),
      ...random.pick(extras),
    });
  return all;
}

const outcome = async (run: () => unknown) => {
  try {
    return { ok: await run() };
  } catch (error) {
    return { refused: (error as { getResponse(): unknown }).getResponse() };
  }
};

describe.each<[string, Type<object>, PlainlyValid]>([
  ['deposit', DepositMoneyBody, plainlyValidDeposit],
  ['withdrawal', MoneyAmountBody, plainlyValidAmount],
])('the %s body', (_, dto, plainlyValid) => {
  const fast = new FastBodyPipe(dto, plainlyValid);
  const full = createValidationPipe();

  it('is accepted or refused exactly as the DTO validation does, with the same result or problem', async () => {
    for (const body of bodies()) {
      const expected = await outcome(() => full.transform(body, { type: 'body', metatype: dto }));
      const actual = await outcome(() => fast.transform(body));
      expect({ body, ...actual }).toEqual({ body, ...expected });
      if ('ok' in actual) expect(actual.ok).toBeInstanceOf(dto);
    }
  });

  it('skips class-validator for a plainly valid body', () => {
    const validate = jest.spyOn(ValidationPipe.prototype, 'transform');
    expect(fast.transform({ amount: 500 })).toEqual(Object.assign(new dto(), { amount: 500 }));
    expect(validate).not.toHaveBeenCalled();
    validate.mockRestore();
  });
});
