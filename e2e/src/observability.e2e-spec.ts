/**
 * What operators look at, against both services running: every metric the Prometheus alert rules and
 * the Grafana dashboard use exists on the services' /metrics (after some traffic), every Tally metric
 * is documented, the rule file is well formed, and `npm run admin -- status` shows the pipeline from
 * the stores, with a lag that grows while the query service is stopped.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { eventually } from '@tally/testing';
import { parse } from 'yaml';
import { TestSystem, get, post } from './system';

jest.setTimeout(180_000);

const root = path.resolve(__dirname, '../..');
const run = promisify(execFile);
const adminCli = path.join(root, 'dist/apps/admin-console/src/admin.js');

const alertRules = parse(
  fs.readFileSync(path.join(root, 'infra/observability/prometheus/alerts.yml'), 'utf8'),
);
const dashboard = JSON.parse(
  fs.readFileSync(path.join(root, 'infra/observability/grafana/tally-dashboard.json'), 'utf8'),
);

/** Metric families a /metrics text declares, with their types (`# TYPE name type`). */
const familiesOf = (text: string) =>
  new Map([...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => [m[1], m[2]]));

/** Metric names in a PromQL expression: ours (tally_), the HTTP histogram and the process defaults. */
const metricNamesIn = (expr: string) => [
  ...new Set([...expr.matchAll(/\b(?:tally|http|process|nodejs)_[a-z0-9_]+\b/g)].map((m) => m[0])),
];

/** The family a series name belongs to: histogram series carry _bucket, _sum and _count. */
const familyOf = (name: string, families: Map<string, string>) => {
  const base = name.replace(/_(bucket|sum|count)$/, '');
  return base !== name && families.get(base) === 'histogram' ? base : name;
};

describe('observability', () => {
  const system = new TestSystem('observability');
  let token: string;
  let families: Map<string, string>;

  beforeAll(async () => {
    await system.start();
    token = await system.admin();
    // Traffic through every part: accounts, deposits, a transfer, a read-your-writes read.
    const opened = [];
    for (const owner of ['obs-a', 'obs-b']) {
      const response = await post(
        system.command.url,
        '/accounts',
        { ownerId: owner, currency: 'EUR' },
        token,
      );
      expect(response.status).toBe(201);
      opened.push(response.body.accountId as string);
    }
    const deposit = await post(system.command.url, `/accounts/${opened[0]}/deposits`, { amount: 500 }, token);
    expect(deposit.status).toBe(200);
    const transfer = await post(
      system.command.url,
      '/transfers',
      { fromAccountId: opened[0], toAccountId: opened[1], amount: 100 },
      token,
    );
    expect(transfer.status).toBe(202);
    const read = await get(system.query.url, `/accounts/${opened[0]}`, token, {
      'x-consistency-token': deposit.body.consistencyToken,
    });
    expect(read.status).toBe(200);
    const texts = await Promise.all(
      [system.command.url, system.query.url].map((url) => fetch(`${url}/metrics`).then((r) => r.text())),
    );
    families = new Map(texts.flatMap((text) => [...familiesOf(text)]));
  });
  afterAll(() => system.stop());

  const expressions = (): { where: string; expr: string }[] => [
    ...alertRules.groups.flatMap((group: any) =>
      group.rules.map((rule: any) => ({ where: `alert ${rule.alert}`, expr: rule.expr })),
    ),
    ...dashboard.panels.flatMap((panel: any) =>
      (panel.targets ?? []).map((target: any) => ({ where: `panel "${panel.title}"`, expr: target.expr })),
    ),
  ];

  it('finds every metric the alert rules and the dashboard use on the services’ /metrics', () => {
    const used = expressions().flatMap(({ where, expr }) =>
      metricNamesIn(expr).map((name) => ({ where, name })),
    );
    // The scan itself works: these are certainly used.
    expect(used.map((u) => u.name)).toEqual(
      expect.arrayContaining(['tally_projection_lag_messages', 'tally_relay_backlog_events']),
    );
    const missing = used.filter(({ name }) => !families.has(familyOf(name, families)));
    expect(missing).toEqual([]);
  });

  it('alerts on each failure the runbook names', () => {
    const alerted = new Set(
      alertRules.groups.flatMap((g: any) => g.rules.flatMap((r: any) => metricNamesIn(r.expr))),
    );
    for (const name of [
      'tally_projection_lag_messages',
      'tally_projection_freshness_seconds',
      'tally_relay_backlog_events',
      'tally_relay_leader',
      'tally_dead_letter_messages',
      'tally_projection_parked_events',
      'tally_projection_stuck_streams',
      'tally_transfers_oldest_age_seconds',
      'http_request_duration_seconds_count',
      'tally_consistency_wait_seconds_count',
      'tally_topic_history_lost_total',
      'tally_relay_topic_behind_checkpoint',
    ])
      expect(alerted).toContain(name);
  });

  it('has a well-formed rule file: named groups, unique alerts with an expression, a severity and a summary', () => {
    expect(Object.keys(alertRules)).toEqual(['groups']);
    const groups: any[] = alertRules.groups;
    expect(groups.length).toBeGreaterThan(0);
    expect(new Set(groups.map((g) => g.name)).size).toBe(groups.length);
    const rules = groups.flatMap((g) => {
      expect(Object.keys(g).sort()).toEqual(['name', 'rules']);
      expect(g.rules.length).toBeGreaterThan(0);
      return g.rules as any[];
    });
    expect(new Set(rules.map((r) => r.alert)).size).toBe(rules.length);
    for (const rule of rules) {
      expect(
        Object.keys(rule).every((k) => ['alert', 'expr', 'for', 'labels', 'annotations'].includes(k)),
      ).toBe(true);
      expect(rule.alert).toMatch(/^Tally[A-Z][A-Za-z0-9]+$/);
      expect(typeof rule.expr).toBe('string');
      expect(rule.expr.trim().length).toBeGreaterThan(0);
      if (rule.for !== undefined) expect(rule.for).toMatch(/^\d+[smh]$/);
      expect(['page', 'warning', 'info']).toContain(rule.labels?.severity);
      expect(typeof rule.annotations?.summary).toBe('string');
    }
  });

  it('has a dashboard Grafana can import: unique panel ids, a Prometheus data source variable', () => {
    expect(dashboard.uid).toBe('tally-pipeline');
    const ids = dashboard.panels.map((p: any) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(dashboard.templating.list).toContainEqual(
      expect.objectContaining({ name: 'datasource', type: 'datasource', query: 'prometheus' }),
    );
    for (const panel of dashboard.panels.filter((p: any) => p.type !== 'row')) {
      expect(panel.datasource).toEqual({ type: 'prometheus', uid: '${datasource}' });
      expect(panel.targets.length).toBeGreaterThan(0);
    }
  });

  it('documents every Tally metric the services expose in docs/operations.md', () => {
    const docs = fs.readFileSync(path.join(root, 'docs/operations.md'), 'utf8');
    const ours = [...families.keys()].filter((name) => name.startsWith('tally_'));
    expect(ours.length).toBeGreaterThan(15);
    expect(ours.filter((name) => !docs.includes(`\`${name}\``))).toEqual([]);
  });

  describe('npm run admin -- status', () => {
    const admin = (...args: string[]) =>
      run(process.execPath, [adminCli, ...args], {
        env: {
          ...process.env,
          KAFKA_BROKERS: system.env.KAFKA_BROKERS,
          KAFKA_TOPIC: system.env.KAFKA_TOPIC,
          WRITE_DATABASE_URL: system.writeDb.url,
          ADMIN_REPLICA_SETS: `${system.env.KAFKA_GROUP_ID}=${system.readDb.url}`,
          ADMIN_COMMAND_METRICS_URLS: `${system.command.url}/metrics`,
        },
      });
    const status = async () => JSON.parse((await admin('status', '--json')).stdout);
    const lag = (overview: any) =>
      overview.replicaSets[0].partitions.reduce((s: number, p: any) => s + p.lag, 0);

    it('shows the running pipeline caught up, with the relay leader and the command rate', async () => {
      const overview = await eventually(async () => {
        const reading = await status();
        expect(lag(reading)).toBe(0);
        expect(reading.relay.backlog).toBe(0);
        expect(reading.replicaSets[0].members).toHaveLength(1);
        return reading;
      }, 60_000);
      expect(overview.relay.leader).toMatch(/^pid \d+/);
      expect(overview.transfers).toEqual({ inFlight: 0, oldestAgeSeconds: null });
      expect(overview.commands).toEqual({
        perSecond: expect.any(Number),
        errorsPerSecond: expect.any(Number),
      });
      expect(overview.unavailable).toEqual([]);
      const table = (await admin('status')).stdout;
      expect(table).toContain(`replica set ${system.env.KAFKA_GROUP_ID}: 1 member(s), lag 0`);
      expect(table).toMatch(/relay {9}leader pid \d+/);
    });

    it('shows the lag growing while the query service is stopped, and 0 again once it is back', async () => {
      await system.query.stop('SIGTERM');
      const opened = await post(
        system.command.url,
        '/accounts',
        { ownerId: 'obs-c', currency: 'EUR' },
        token,
      );
      for (let i = 0; i < 4; i++)
        expect(
          (
            await post(
              system.command.url,
              `/accounts/${opened.body.accountId}/deposits`,
              { amount: 1 },
              token,
            )
          ).status,
        ).toBe(200);
      const stopped = await eventually(async () => {
        const reading = await status();
        expect(lag(reading)).toBe(5);
        return reading;
      }, 30_000);
      expect(stopped.replicaSets[0].members).toEqual([]);
      await post(system.command.url, `/accounts/${opened.body.accountId}/deposits`, { amount: 1 }, token);
      await eventually(async () => expect(lag(await status())).toBe(6), 30_000);

      system.query = await system.startQuery();
      await eventually(async () => expect(lag(await status())).toBe(0), 60_000);
    });

    it('answers --help, and refuses an unknown command with its usage', async () => {
      expect((await admin('--help')).stdout).toContain('Usage: npm run admin -- status [--json]');
      await expect(admin('frobnicate')).rejects.toMatchObject({ code: 2 });
    });
  });
});
