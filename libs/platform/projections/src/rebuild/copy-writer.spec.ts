import { copyText } from './copy-writer';

describe('COPY text format', () => {
  it('escapes what would end a column or a row, and the escape character itself', () => {
    expect(copyText('a\tb\nc\rd\\e')).toBe('a\\tb\\nc\\rd\\\\e');
    expect(copyText('{"note":"tab\\there"}')).toBe('{"note":"tab\\\\there"}');
  });

  it('writes NULL, numbers, booleans and instants as PostgreSQL reads them', () => {
    expect(copyText(null)).toBe('\\N');
    expect(copyText('')).toBe('');
    expect(copyText(-1250)).toBe('-1250');
    expect(copyText(false)).toBe('false');
    expect(copyText(new Date('2026-01-01T00:00:01.5Z'))).toBe('2026-01-01T00:00:01.500Z');
  });
});
