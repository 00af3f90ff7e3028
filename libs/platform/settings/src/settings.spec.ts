import { settingsFrom } from './settings';

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
