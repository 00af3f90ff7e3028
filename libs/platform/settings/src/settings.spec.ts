import { databaseUrlSetting, settingsFrom } from './settings';

describe('settingsFrom', () => {
  it('reads a whole number, or the default when the variable is unset', () => {
    const settings = settingsFrom({ POOL_SIZE: '12' });
    expect(settings.get('POOL_SIZE').default('20').asIntPositive()).toBe(12);
    expect(settings.get('UNSET').default('20').asIntPositive()).toBe(20);
  });

  it.each(['abc', '1.5', '-1', ''])('refuses %j naming the variable, never falling back', (value) => {
    expect(() => settingsFrom({ POOL_SIZE: value }).get('POOL_SIZE').default('20').asIntPositive()).toThrow(
      /POOL_SIZE/,
    );
  });

  it('asIntAtLeast refuses values under its minimum (1 unless given)', () => {
    const settings = settingsFrom({ ZERO: '0', NINE: '9' });
    expect(() => settings.get('ZERO').default('5').asIntAtLeast()).toThrow(/ZERO.*>= 1/);
    expect(() => settings.get('NINE').default('10').asIntAtLeast(10)).toThrow(/NINE.*>= 10/);
    expect(settings.get('NINE').default('10').asIntAtLeast(5)).toBe(9);
  });
});

describe('booleans: asBool is the one parser', () => {
  const flag = (value: string | undefined, fallback = 'true') =>
    settingsFrom({ FLAG: value }).get('FLAG').default(fallback).asBool();

  it.each([
    ['true', true],
    ['TRUE', true],
    ['True', true],
    ['1', true],
    ['false', false],
    ['FALSE', false],
    ['False', false],
    ['0', false],
  ])('reads %s as %s', (value, expected) => expect(flag(value)).toBe(expected));

  it('takes the default only when the variable is unset', () => {
    expect(flag(undefined, 'true')).toBe(true);
    expect(flag(undefined, 'false')).toBe(false);
  });

  it.each(['yes', 'no', 'off', 'on', '', ' ', '2', 'fals'])(
    'refuses %j naming the variable, instead of treating it as on',
    (value) => expect(() => flag(value)).toThrow(/FLAG/),
  );
});

describe('URLs', () => {
  const fallback = 'postgres://postgres@127.0.0.1:5432/tally';

  it('takes postgres:// and postgresql:// database URLs, or the fallback when unset', () => {
    expect(databaseUrlSetting(settingsFrom({}), 'DB_URL', fallback)).toBe(fallback);
    const given = 'postgresql://tally:secret@db.internal:6432/ledger?sslmode=require';
    expect(databaseUrlSetting(settingsFrom({ DB_URL: given }), 'DB_URL', fallback)).toBe(given);
  });

  it.each(['', 'localhost:5432/tally', 'postgres//x', 'http://db/tally', 'mysql://db/tally'])(
    'refuses the database URL %j naming the variable',
    (value) =>
      expect(() => databaseUrlSetting(settingsFrom({ DB_URL: value }), 'DB_URL', fallback)).toThrow(/DB_URL/),
  );

  it('asUrlWithScheme checks the scheme it is given', () => {
    const settings = settingsFrom({ KEYS: 'https://id.example/.well-known/jwks.json', BAD: 'ftp://x/y' });
    expect(settings.get('KEYS').asUrlWithScheme('https', 'http')).toBe(
      'https://id.example/.well-known/jwks.json',
    );
    expect(() => settings.get('BAD').asUrlWithScheme('https', 'http')).toThrow(/BAD.*https or http/);
  });
});
