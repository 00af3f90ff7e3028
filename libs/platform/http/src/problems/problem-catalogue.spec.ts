import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Fastify from 'fastify';
import { problemCodeByStatus } from '../problem-details.filter';
import { isProblemCode, problemCatalogue, problemType } from './problem-catalogue';
import { serveProblemPages } from './problem-pages';

const root = resolve(__dirname, '../../../../..');

function* shippedSources(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules' && entry.name !== 'testing') yield* shippedSources(full);
    } else if (/(?<!\.(spec|int-spec|e2e-spec))\.ts$/.test(entry.name)) yield full;
  }
}

/**
 * Every code the sources can answer with: the literal codes of `new ProblemException(status, 'code'`,
 * of problem bodies built by hand (`code: 'code'`), of the filter's generic problems, and every
 * refusal of the deciders (`refuse('code'`), which the command side answers as 404 or 422.
 */
function codesInSources(): Map<string, string> {
  const patterns = [
    /ProblemException\(\s*\d{3},\s*'([a-z-]+)'/g,
    /\bcode: '([a-z-]+)'/g,
    /generic\(\s*\d{3},\s*'([a-z-]+)'/g,
    /\brefuse\(\s*'([a-z-]+)'/g,
  ];
  const found = new Map<string, string>();
  for (const dir of ['apps', 'libs'])
    for (const file of shippedSources(join(root, dir))) {
      const text = readFileSync(file, 'utf8');
      for (const pattern of patterns)
        for (const [, code] of text.matchAll(pattern)) found.set(code, file.slice(root.length + 1));
    }
  return found;
}

describe('the problem catalogue', () => {
  it('lists every code the services can answer with', () => {
    const codes = codesInSources();
    // The scan must see the known sources of codes, or it proves nothing.
    for (const known of [
      'validation-failed',
      'insufficient-funds',
      'version-conflict',
      'consistency-timeout',
    ])
      expect(codes.has(known)).toBe(true);
    for (const [code] of Object.values(problemCodeByStatus)) codes.set(code, 'problem-details.filter.ts');
    const missing = [...codes].filter(([code]) => !isProblemCode(code));
    expect(missing).toEqual([]);
  });

  it('describes each code with a title, a description and the statuses it is answered with', () => {
    for (const [code, entry] of Object.entries(problemCatalogue)) {
      expect({ code, title: entry.title.length > 0, statuses: entry.statuses.length > 0 }).toEqual({
        code,
        title: true,
        statuses: true,
      });
      expect(entry.description.length).toBeGreaterThan(20);
    }
  });

  it('gives each problem a type that is the address of its page', () => {
    expect(problemType('insufficient-funds')).toBe('/problems/insufficient-funds');
  });
});

describe('the problem pages', () => {
  const fastify = Fastify();
  beforeAll(async () => {
    serveProblemPages(fastify);
    await fastify.ready();
  });
  afterAll(() => fastify.close());

  it('answer every catalogued type with a page that names its code and title', async () => {
    for (const [code, entry] of Object.entries(problemCatalogue)) {
      const response = await fastify.inject({ method: 'GET', url: problemType(code) });
      expect({ code, status: response.statusCode }).toEqual({ code, status: 200 });
      expect(response.headers['content-type']).toMatch(/^text\/html/);
      expect(response.body).toContain(`<code>${code}</code>`);
      expect(response.body).toContain(entry.title);
    }
  });

  it('list every type on the index page', async () => {
    const response = await fastify.inject({ method: 'GET', url: '/problems' });
    expect(response.statusCode).toBe(200);
    for (const code of Object.keys(problemCatalogue))
      expect(response.body).toContain(`href="/problems/${code}"`);
  });

  it('answer an unknown code with a not-found problem', async () => {
    const response = await fastify.inject({ method: 'GET', url: '/problems/no-such-thing' });
    expect(response.statusCode).toBe(404);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.json()).toMatchObject({ code: 'not-found', type: '/problems/not-found' });
  });

  it('escape what they show', async () => {
    const response = await fastify.inject({ method: 'GET', url: '/problems/%3Cscript%3E' });
    expect(response.statusCode).toBe(404);
    expect(response.body).not.toContain('<script>');
  });
});
