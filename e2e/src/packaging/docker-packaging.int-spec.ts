/**
 * No Docker engine runs where these tests run, so this proves what can be proved without one: the
 * Dockerfile's build stage, replayed in a temporary directory, compiles; the runtime stage holds every
 * entry point the image and docker-compose.yml start, and each of them loads only Node built-ins and
 * packages that `npm ci --omit=dev` installs; docker-compose.yml gives each service a configuration its
 * own config loader accepts, reachable hosts, matching ports, health checks and restart policies.
 */
import { execFileSync } from 'node:child_process';
import { builtinModules } from 'node:module';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { parseDockerfile, stageEnvironment, type DockerStage } from './dockerfile';

const root = path.resolve(__dirname, '../../..');
const read = (file: string) => fs.readFileSync(path.join(root, file), 'utf8');

const stages = parseDockerfile(read('Dockerfile'));
const buildStage = stages[0];
const runtime = stages[stages.length - 1];

interface ComposeService {
  image?: string;
  build?: unknown;
  command?: string[];
  environment?: Record<string, string | number>;
  ports?: string[];
  volumes?: string[];
  restart?: string;
  healthcheck?: unknown;
  depends_on?: Record<string, { condition: string }>;
}
const compose = parseYaml(read('docker-compose.yml'), { merge: true }) as {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
};
const appServices = Object.entries(compose.services).filter(([, service]) => service.build !== undefined);

// The image, replayed once for the whole file: <workDir>/runtime is what the last stage holds.
let workDir: string;
let image: string;

beforeAll(() => {
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tally-docker-'));
  const built = path.join(workDir, 'build');
  image = path.join(workDir, 'runtime');
  replay(buildStage, built, {});
  replay(runtime, image, { [buildStage.name ?? '0']: built });
}, 120_000);

afterAll(() => fs.rmSync(workDir, { recursive: true, force: true }));

/** The app's own config loader, as compiled into the image. */
type LoadConfig = (env: Record<string, string>) => {
  host: string;
  port: number;
  kafka: { brokers: string[] };
};
const configLoaderOf = (app: string): LoadConfig =>
  (require(path.join(image, `dist/apps/${app}/src/config.js`)) as { loadConfig: LoadConfig }).loadConfig;

describe('Dockerfile', () => {
  it('builds in one stage and runs in another, on the Node of .nvmrc, as an unprivileged user, with a health check', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    const nodeMajor = read('.nvmrc').trim().split('.')[0];
    for (const stage of stages) expect(stage.from).toMatch(new RegExp(`^node:${nodeMajor}(\\.|-|$)`));
    expect(runtime.instructions.some((i) => i.keyword === 'USER' && !/^(root|0)$/.test(i.args))).toBe(true);
    expect(runtime.instructions.some((i) => i.keyword === 'HEALTHCHECK' && /CMD/.test(i.args))).toBe(true);
    const installs = runtime.instructions.filter((i) => i.keyword === 'RUN' && /\bnpm ci\b/.test(i.args));
    expect(installs).toHaveLength(1);
    expect(installs[0].args).toContain('--omit=dev');
  });

  describe('replayed without an engine', () => {
    it('holds every entry point the image and docker-compose.yml start', () => {
      const entryPoints = [
        ...commandOf(runtime),
        ...appServices.flatMap(([, service]) => service.command ?? []),
        ...healthCheckOf(runtime),
      ].filter((arg) => /\.js$/.test(arg));
      expect(entryPoints).toEqual(expect.arrayContaining(['dist/apps/command-service/src/main.js']));
      expect(entryPoints).toEqual(expect.arrayContaining(['dist/apps/query-service/src/main.js']));
      for (const entry of new Set(entryPoints)) expect(fs.existsSync(path.join(image, entry))).toBe(true);
    });

    it('loads only built-ins and production dependencies from each entry point, the CLIs included', () => {
      const production = productionPackages();
      const entries = [
        'dist/apps/command-service/src/main.js',
        'dist/apps/query-service/src/main.js',
        'dist/apps/query-service/src/rebuild.js',
        'dist/apps/query-service/src/dead-letters.js',
        'scripts/token.js',
      ];
      for (const entry of entries) {
        const missing = [...packagesLoadedFrom(path.join(image, entry))].filter(
          (name) => !production.has(name),
        );
        expect({ entry, missing }).toEqual({ entry, missing: [] });
      }
    });
  });
});

describe('docker-compose.yml', () => {
  it('runs Kafka on the version the local broker and the tests use', () => {
    const version = /<kafka\.version>(\d[^<]*)<\/kafka\.version>/.exec(read('infra/kafka/pom.xml'))?.[1];
    expect(compose.services.kafka.image).toBe(`apache/kafka:${version}`);
  });

  it('keeps PostgreSQL and Kafka data in named volumes', () => {
    for (const name of ['kafka', 'postgres']) {
      const volumes = compose.services[name].volumes ?? [];
      expect(volumes.length).toBeGreaterThan(0);
      for (const volume of volumes) expect(compose.volumes).toHaveProperty(volume.split(':')[0]);
    }
    // The broker writes where the volume is mounted.
    expect(compose.services.kafka.volumes).toContain(
      `kafka-data:${compose.services.kafka.environment?.KAFKA_LOG_DIRS}`,
    );
  });

  it('gives every service a health check or the image’s, and every app a restart policy', () => {
    for (const [name, service] of Object.entries(compose.services)) {
      if (service.build === undefined)
        expect({ name, healthcheck: !!service.healthcheck }).toEqual({ name, healthcheck: true });
      expect({ name, restart: service.restart }).toEqual({ name, restart: 'unless-stopped' });
    }
  });

  it.each(appServices)(
    '%s: its configuration loads, and its hosts, port and health check agree',
    (_name, service) => {
      const env: Record<string, string> = {
        ...stageEnvironment(runtime),
        ...Object.fromEntries(
          Object.entries(service.environment ?? {}).map(([key, value]) => [key, composeValue(String(value))]),
        ),
      };
      const isQuery = (service.command ?? []).some((arg) => arg.includes('query-service'));
      const config = configLoaderOf(isQuery ? 'query-service' : 'command-service')(env);

      // Inside a container, 127.0.0.1 is the container itself: every dependency is a compose service.
      const urls = isQuery ? [env.READ_DATABASE_URL] : [env.WRITE_DATABASE_URL];
      for (const url of urls) expect(Object.keys(compose.services)).toContain(new URL(url).hostname);
      for (const broker of config.kafka.brokers)
        expect(Object.keys(compose.services)).toContain(broker.split(':')[0]);
      for (const dependency of ['kafka', 'postgres']) {
        expect(service.depends_on?.[dependency]).toEqual({ condition: 'service_healthy' });
      }

      // Published ports lead to the port the service listens on, and the health check asks that port.
      for (const mapping of service.ports ?? []) expect(Number(mapping.split(':').at(-1))).toBe(config.port);
      expect(env.HEALTHCHECK_URL).toBe(`http://127.0.0.1:${config.port}/health/ready`);
      expect(config.host).toBe('0.0.0.0'); // from the image's ENV: a container must listen beyond loopback
    },
  );
});

/** Runs a stage's COPY and RUN lines in `dir`; `npm ci` is stood in for by the checkout's node_modules. */
function replay(stage: DockerStage, dir: string, stageDirs: Record<string, string>): void {
  fs.mkdirSync(dir, { recursive: true });
  for (const { keyword, args } of stage.instructions) {
    if (keyword === 'COPY') {
      const parts = args.split(/\s+/);
      const from = parts.find((part) => part.startsWith('--from='))?.slice('--from='.length);
      const paths = parts.filter((part) => !part.startsWith('--'));
      const [sources, dest] = [paths.slice(0, -1), paths[paths.length - 1]];
      const base = from === undefined ? root : stageDirs[from];
      expect(base).toBeDefined();
      for (const source of sources) {
        const target =
          dest.endsWith('/') || sources.length > 1
            ? path.join(dir, dest, path.basename(source))
            : path.join(dir, dest);
        fs.cpSync(path.join(base, source.replace(/^\/app\//, '')), target, { recursive: true });
      }
    } else if (keyword === 'RUN') {
      for (const command of args.split('&&').map((part) => part.trim())) {
        if (/^npm ci\b/.test(command))
          fs.symlinkSync(path.join(root, 'node_modules'), path.join(dir, 'node_modules'));
        else if (/^npm cache\b/.test(command)) continue;
        else execFileSync('sh', ['-c', command], { cwd: dir, stdio: 'pipe' });
      }
    }
  }
}

const jsonArgs = (args: string): string[] => JSON.parse(args) as string[];
const commandOf = (stage: DockerStage) =>
  jsonArgs(stage.instructions.filter((i) => i.keyword === 'CMD').at(-1)?.args ?? '[]');
const healthCheckOf = (stage: DockerStage) => {
  const line = stage.instructions.find((i) => i.keyword === 'HEALTHCHECK')?.args ?? '';
  return jsonArgs(line.slice(line.indexOf('CMD') + 3).trim());
};

/** `${NAME:-default}` as compose would expand it with NAME unset. */
const composeValue = (value: string) => value.replace(/\$\{[A-Z_]+:-([^}]*)\}/g, '$1');

/** Packages `npm ci --omit=dev` installs: every package of the lockfile not marked dev-only. */
function productionPackages(): Set<string> {
  const lock = JSON.parse(read('package-lock.json')) as { packages: Record<string, { dev?: boolean }> };
  return new Set(
    Object.entries(lock.packages)
      .filter(([key, entry]) => key.startsWith('node_modules/') && !entry.dev)
      .map(([key]) => key.slice(key.lastIndexOf('node_modules/') + 'node_modules/'.length)),
  );
}

/** The packages a compiled file and every project file it requires (transitively) load. */
function packagesLoadedFrom(entry: string): Set<string> {
  const builtins = new Set(builtinModules);
  const packages = new Set<string>();
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const source = fs.readFileSync(file, 'utf8');
    for (const [, specifier] of source.matchAll(/\b(?:require|import)\(\s*["']([^"']+)["']\s*\)/g)) {
      if (specifier.startsWith('.')) visit(resolveLocal(path.resolve(path.dirname(file), specifier)));
      else if (
        !builtins.has(specifier.replace(/^node:/, '').split('/')[0]) &&
        !specifier.startsWith('node:')
      ) {
        const [scope, name] = specifier.split('/');
        packages.add(scope.startsWith('@') ? `${scope}/${name}` : scope);
      }
    }
  };
  visit(entry);
  return packages;
}

function resolveLocal(base: string): string {
  for (const candidate of [base, `${base}.js`, path.join(base, 'index.js')]) {
    if (fs.existsSync(candidate) && fs.statSync(candidate).isFile()) return candidate;
  }
  throw new Error(`cannot resolve ${base}`);
}
