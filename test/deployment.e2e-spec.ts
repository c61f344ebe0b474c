import 'reflect-metadata';
import { PATH_METADATA } from '@nestjs/common/constants';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Histogram } from 'prom-client';
import { parseAllDocuments, parse as parseYaml } from 'yaml';
import { KNOWN_VARIABLES, loadConfig, misspeltVariables } from '../src/config/app-config';
import { HealthController } from '../src/health/health.controller';
import { Metrics } from '../src/observability/metrics';

const ROOT = join(__dirname, '..');
const K8S = join(ROOT, 'deploy/kubernetes');
const promtool = spawnSync('promtool', ['--version']).status === 0;

type Manifest = Record<string, any> & { apiVersion: string; kind: string; metadata: { name: string } };

/** Every object of every manifest file (kustomization.yaml is kustomize's, not the API's). */
const manifests: Array<{ file: string; object: Manifest }> = readdirSync(K8S)
  .filter((file) => file.endsWith('.yaml'))
  .flatMap((file) =>
    parseAllDocuments(readFileSync(join(K8S, file), 'utf8')).map((doc) => {
      if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors[0].message}`);
      return { file, object: doc.toJS() as Manifest };
    }),
  );
const objectOf = (kind: string, name?: string) => manifests.find((m) => m.object.kind === kind && (!name || m.object.metadata.name === name))!.object;

/** The server's own probe paths, read from the controller's routing metadata. */
function routeOf(method: keyof HealthController): string[] {
  const base = Reflect.getMetadata(PATH_METADATA, HealthController) as string;
  const paths = Reflect.getMetadata(PATH_METADATA, HealthController.prototype[method]) as string | string[];
  return (Array.isArray(paths) ? paths : [paths]).map((path) => `/${[base, path].filter(Boolean).join('/')}`);
}
const LIVE = routeOf('live')[0];
const READY = routeOf('ready')[0];

/** Validated against the Kubernetes API's schemas (kubernetes-models); kubeconform is not installable here. */
async function validate(object: Manifest): Promise<void> {
  const models: Record<string, string> = {
    'v1/ConfigMap': 'kubernetes-models/v1/ConfigMap',
    'v1/Secret': 'kubernetes-models/v1/Secret',
    'v1/Service': 'kubernetes-models/v1/Service',
    'apps/v1/Deployment': 'kubernetes-models/apps/v1/Deployment',
    'batch/v1/Job': 'kubernetes-models/batch/v1/Job',
    'policy/v1/PodDisruptionBudget': 'kubernetes-models/policy/v1/PodDisruptionBudget',
    'autoscaling/v2/HorizontalPodAutoscaler': 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler',
  };
  const module = models[`${object.apiVersion}/${object.kind}`];
  if (!module) throw new Error(`no schema for ${object.apiVersion} ${object.kind}`);
  const Model = (await import(module))[object.kind] as new (data: unknown) => { validate(): void };
  new Model(object).validate();
}

/** The server's configuration as the Deployment's environment makes it (secrets replaced by valid stand-ins). */
function deployedConfig(container: Record<string, any>) {
  const env: Record<string, string> = { ...objectOf('ConfigMap', 'twofold').data };
  for (const key of Object.keys(objectOf('Secret', 'twofold').stringData)) env[key] = '';
  for (const item of container.env ?? []) env[item.name] = item.value;
  env.DATABASE_URL = 'mysql://twofold:x@mysql:3306/twofold';
  env.APP_SECRET = Buffer.alloc(32, 1).toString('base64');
  return { env, config: loadConfig(env) };
}

describe('deployment: Kubernetes manifests, compose files, Dockerfile and alert rules', () => {
  it('every manifest is a valid Kubernetes object, and kustomization lists them', async () => {
    expect(manifests.length).toBeGreaterThanOrEqual(8);
    for (const { file, object } of manifests) {
      if (object.kind === 'Kustomization') {
        const listed = object.resources as string[];
        for (const other of new Set(manifests.map((m) => m.file))) {
          if (!['kustomization.yaml', 'secret.example.yaml', 'migrate-job.yaml'].includes(other)) expect(listed).toContain(other);
        }
        continue;
      }
      await expect(validate(object), file).resolves.toBeUndefined();
    }
  });

  it('the schema check catches a wrong type (the check itself works)', async () => {
    const broken = structuredClone(objectOf('Deployment', 'twofold'));
    broken.spec.template.spec.containers[0].ports[0].containerPort = 'http';
    await expect(validate(broken)).rejects.toThrow(/containerPort/);
  });

  it("the Deployment's probes, ports and variables are the server's own", () => {
    const deployment = objectOf('Deployment', 'twofold');
    const pod = deployment.spec.template;
    const [container] = pod.spec.containers;
    const { env, config } = deployedConfig(container);
    expect(config.production).toBe(true);
    const port = (name: string) => container.ports.find((p: { name: string }) => p.name === name)?.containerPort;
    expect(port('http')).toBe(config.port);
    expect(port('metrics')).toBe(config.metricsPort);
    expect(config.host).toBe('0.0.0.0');

    expect(container.livenessProbe.httpGet).toEqual({ path: LIVE, port: 'http' });
    expect(container.startupProbe.httpGet).toEqual({ path: LIVE, port: 'http' });
    expect(container.readinessProbe.httpGet).toEqual({ path: READY, port: 'http' });
    expect(pod.metadata.annotations).toMatchObject({ 'prometheus.io/scrape': 'true', 'prometheus.io/port': String(config.metricsPort), 'prometheus.io/path': '/metrics' });
    // Readiness waits out the database check before giving up.
    expect(container.readinessProbe.timeoutSeconds * 1000).toBeGreaterThan(3_000);
    // The grace period covers the shutdown delay and the drain.
    expect(pod.spec.terminationGracePeriodSeconds).toBeGreaterThan(config.shutdownDelaySeconds + 15);
    expect(container.resources.requests).toMatchObject({ cpu: expect.any(String), memory: expect.any(String) });
    expect(container.resources.limits.memory).toBe('384Mi');

    const names = Object.keys(env);
    expect(names.filter((name) => !(KNOWN_VARIABLES as readonly string[]).includes(name))).toEqual([]);
    expect(misspeltVariables(env)).toEqual([]);
  });

  it('the migration Job runs --migrate with the same image and settings', () => {
    const job = objectOf('Job', 'twofold-migrate');
    const [container] = job.spec.template.spec.containers;
    const [api] = objectOf('Deployment', 'twofold').spec.template.spec.containers;
    expect(container.command).toEqual(['node', 'dist/src/main.js', '--migrate']);
    expect(container.image).toBe(api.image);
    expect(container.envFrom).toEqual(api.envFrom);
    expect(objectOf('ConfigMap', 'twofold').data.DATABASE_MIGRATE).toBe('false');
  });

  it('Service, PodDisruptionBudget and HorizontalPodAutoscaler point at the Deployment', () => {
    const deployment = objectOf('Deployment', 'twofold');
    const labels = deployment.spec.template.metadata.labels;
    const portNames = deployment.spec.template.spec.containers[0].ports.map((p: { name: string }) => p.name);
    const service = objectOf('Service', 'twofold');
    expect(labels).toMatchObject(service.spec.selector);
    for (const port of service.spec.ports) expect(portNames).toContain(port.targetPort);
    expect(labels).toMatchObject(objectOf('PodDisruptionBudget', 'twofold').spec.selector.matchLabels);
    expect(deployment.spec.selector.matchLabels).toEqual(objectOf('PodDisruptionBudget', 'twofold').spec.selector.matchLabels);
    const hpa = objectOf('HorizontalPodAutoscaler', 'twofold');
    expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'twofold' });
    expect(hpa.spec.minReplicas).toBeGreaterThanOrEqual(2);
  });

  it('the Dockerfile is on a Node LTS and checks readiness; compose pins every image and uses the probes', () => {
    const dockerfile = readFileSync(join(ROOT, 'docker/Dockerfile'), 'utf8');
    const bases = [...dockerfile.matchAll(/^FROM (\S+)/gm)].map((m) => m[1]);
    expect(bases.length).toBeGreaterThan(0);
    for (const base of bases) expect(base).toMatch(/^node:(22|24)[.-]/);
    expect(dockerfile).toMatch(new RegExp(`HEALTHCHECK[\\s\\S]*${READY.replace(/\//g, '\\/')}'`));
    const dockerPorts = /^EXPOSE (.+)$/m.exec(dockerfile)![1].split(/\s+/).map(Number);
    const imageEnv = Object.fromEntries([...dockerfile.matchAll(/^\s+(\w+)=(\S+)/gm)].map((m) => [m[1], m[2]]));
    const imageConfig = loadConfig({ ...imageEnv, DATABASE_URL: 'mysql://x:y@db:3306/t', APP_SECRET: Buffer.alloc(32, 1).toString('base64') });
    expect(dockerPorts).toEqual([imageConfig.port, imageConfig.metricsPort]);

    for (const file of ['compose.yaml', 'compose.scale.yaml']) {
      const compose = parseYaml(readFileSync(join(ROOT, 'docker', file), 'utf8')) as { services: Record<string, any> };
      for (const [name, service] of Object.entries(compose.services)) {
        if (service.image) expect(service.image, `${file} ${name}`).toMatch(/:v?\d+\.\d+\.\d+(-[a-z0-9]+)?$/);
        if (service.image || name === 'app') expect(service.healthcheck, `${file} ${name} healthcheck`).toBeDefined();
      }
      const app = compose.services.app;
      expect(JSON.stringify(app.healthcheck.test)).toContain(READY);
      const names = Object.keys(app.environment);
      expect(names.filter((n) => !(KNOWN_VARIABLES as readonly string[]).includes(n))).toEqual([]);
      expect(misspeltVariables(app.environment)).toEqual([]);
    }
  });

  it('the alert rules name only metrics the server exports', () => {
    const rules = parseYaml(readFileSync(join(ROOT, 'deploy/prometheus/alerts.yaml'), 'utf8')) as {
      groups: Array<{ rules: Array<{ alert: string; expr: string }> }>;
    };
    const config = loadConfig({ APP_SECRET: Buffer.alloc(32, 1).toString('base64'), METRICS_PORT: '0' }, { schemaOnly: true });
    const exported = new Set(
      new Metrics(config).registry
        .getMetricsAsArray()
        .flatMap((metric) => (metric instanceof Histogram ? ['_bucket', '_sum', '_count'].map((s) => metric.name + s) : [metric.name])),
    );
    const alerts = rules.groups.flatMap((group) => group.rules);
    expect(alerts.map((rule) => rule.alert)).toEqual(expect.arrayContaining(['TwofoldMailQueueStuck', 'TwofoldLockoutRateHigh', 'TwofoldVerifySlow']));
    for (const rule of alerts) {
      const names = [...rule.expr.matchAll(/\b((?:twofold|nodejs|process)_[a-z0-9_]+)/g)].map((m) => m[1]);
      expect(names.length, rule.alert).toBeGreaterThan(0);
      for (const name of names) expect(exported, `${rule.alert}: ${name}`).toContain(name);
    }
  });

  it.runIf(promtool)('promtool checks the rules and their unit tests pass', () => {
    const dir = join(ROOT, 'deploy/prometheus');
    for (const args of [
      ['check', 'rules', 'alerts.yaml'],
      ['test', 'rules', 'alerts.test.yaml'],
    ]) {
      const result = spawnSync('promtool', args, { cwd: dir, encoding: 'utf8' });
      expect(result.status, result.stdout + result.stderr).toBe(0);
    }
  });
});
