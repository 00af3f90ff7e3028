import type { FastifyInstance } from 'fastify';
import {
  PROBLEMS_PATH,
  isProblemCode,
  problemCatalogue,
  problemType,
  type ProblemEntry,
} from './problem-catalogue';

const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The catalogue's prose marks header and field names with backticks: show them as code. */
const prose = (text: string): string => escapeHtml(text).replace(/`([^`]+)`/g, '<code>$1</code>');

const page = (title: string, body: string): string =>
  `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>\n<body>${body}</body></html>\n`;

export const problemPage = (code: string, entry: ProblemEntry): string =>
  page(
    `${code}: ${entry.title}`,
    `<h1>${escapeHtml(entry.title)}</h1>` +
      `<p>Problem code <code>${escapeHtml(code)}</code>, answered with HTTP status ${entry.statuses.join(' or ')} ` +
      `as <code>application/problem+json</code> (RFC 9457).</p>` +
      `<p>${prose(entry.description)}</p>` +
      `<p><a href="${PROBLEMS_PATH}">All problem types</a></p>`,
  );

export const problemIndexPage = (): string =>
  page(
    'Problem types',
    '<h1>Problem types</h1><p>Every error is answered as <code>application/problem+json</code>; ' +
      'its <code>type</code> is the address of one of these pages and its <code>code</code> the name below.</p><ul>' +
      Object.entries(problemCatalogue)
        .map(
          ([code, entry]) =>
            `<li><a href="${problemType(code)}"><code>${escapeHtml(code)}</code></a> (${entry.statuses.join(', ')}): ${escapeHtml(entry.title)}</li>`,
        )
        .join('') +
      '</ul>',
  );

/**
 * Serves `/problems` and `/problems/<code>` straight from Fastify: public like /docs (no token, no
 * Nest guard), the same on both services, and outside the OpenAPI document (it describes the errors,
 * it is not part of the API).
 */
export function serveProblemPages(fastify: FastifyInstance): void {
  fastify.get(PROBLEMS_PATH, async (_request, reply) =>
    reply.type('text/html; charset=utf-8').send(problemIndexPage()),
  );
  fastify.get<{ Params: { code: string } }>(`${PROBLEMS_PATH}/:code`, async (request, reply) => {
    const { code } = request.params;
    if (!isProblemCode(code))
      return reply
        .status(404)
        .type('application/problem+json')
        .send({
          type: problemType('not-found'),
          title: 'Not found',
          status: 404,
          code: 'not-found',
          detail: 'There is no problem type with this code.',
          instance: request.url,
        });
    return reply.type('text/html; charset=utf-8').send(problemPage(code, problemCatalogue[code]));
  });
}
