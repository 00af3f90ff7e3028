import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const root = resolve(__dirname, '../../../..');

/** The committed document of a service (`openapi/<service>.json`), as `npm run openapi` wrote it. */
export const committedOpenApiPath = (service: string): string => join(root, 'openapi', `${service}.json`);

export const committedOpenApi = (service: string): unknown =>
  JSON.parse(readFileSync(committedOpenApiPath(service), 'utf8'));

export interface LintProblem {
  ruleId: string;
  severity: 'error' | 'warn';
  message: string;
  location: string;
}

/**
 * Lints a document with Redocly CLI's recommended rules: an independent check that the document is a
 * valid, complete OpenAPI description (summaries, path parameters, 4xx answers, servers, license...).
 */
export async function redoclyLint(file: string): Promise<LintProblem[]> {
  const bin = join(root, 'node_modules', '.bin', 'redocly');
  const args = ['lint', file, '--extends', 'recommended', '--format', 'json'];
  // redocly exits non-zero when it finds an error; the findings are on stdout either way.
  const { stdout } = await promisify(execFile)(bin, args, {
    cwd: root,
    maxBuffer: 16 << 20,
    // No usage report or update check from a test run.
    env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
  }).catch((error: { stdout?: string }) => {
    if (!error.stdout) throw error;
    return { stdout: error.stdout };
  });
  const report = JSON.parse(stdout.slice(stdout.indexOf('{'))) as {
    problems: {
      ruleId: string;
      severity: 'error' | 'warn';
      message: string;
      location: { pointer: string }[];
    }[];
  };
  return report.problems.map((p) => ({
    ruleId: p.ruleId,
    severity: p.severity,
    message: p.message,
    location: p.location[0]?.pointer ?? '',
  }));
}

/**
 * The checks every service's document gets, inside its `describe`: the committed document is what the
 * code builds (the same code as the one served at /docs-json, run without starting the service), and
 * it passes Redocly's recommended rules with no error and no warning.
 */
export function itKeepsTheCommittedOpenApi(service: string, build: () => Promise<unknown>): void {
  it(`is the committed openapi/${service}.json (run \`npm run openapi\` and commit it when the API changes)`, async () => {
    expect(JSON.parse(JSON.stringify(await build()))).toEqual(committedOpenApi(service));
  });

  it("passes Redocly's recommended rules with no error and no warning", async () => {
    expect(await redoclyLint(committedOpenApiPath(service))).toEqual([]);
  });

  // Generated clients name their methods after operationIds: a verb and a noun (`depositMoney`),
  // never the Nest class and method Swagger falls back to (`DepositMoneyHttp_deposit`).
  it('names every operation in camelCase and tags it', () => {
    const { paths } = committedOpenApi(service) as {
      paths: Record<string, Record<string, { operationId?: string; tags?: string[] }>>;
    };
    const unnamed = Object.entries(paths).flatMap(([path, operations]) =>
      Object.entries(operations)
        .filter(([, op]) => !/^[a-z][a-zA-Z]+$/.test(op.operationId ?? '') || !op.tags?.length)
        .map(([method]) => `${method.toUpperCase()} ${path}`),
    );
    expect(unnamed).toEqual([]);
  });
}
