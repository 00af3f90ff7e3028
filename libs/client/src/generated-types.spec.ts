import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const root = resolve(__dirname, '../../..');

describe("the client's generated types", () => {
  it.each(['command-service', 'query-service'])(
    'are what openapi-typescript makes of openapi/%s.json (run `npm run openapi` and commit them)',
    async (service) => {
      const cli = join(root, 'node_modules', 'openapi-typescript', 'bin', 'cli.js');
      const { stdout } = await promisify(execFile)(
        process.execPath,
        [cli, join(root, 'openapi', `${service}.json`)],
        {
          cwd: root,
          maxBuffer: 16 << 20,
        },
      );
      expect(readFileSync(join(__dirname, 'generated', `${service}.ts`), 'utf8')).toBe(stdout);
    },
  );
});
