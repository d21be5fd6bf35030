import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { beforeAll, describe, expect, it } from 'vitest'
import { parseAllDocuments } from 'yaml'
import { SETTINGS } from '../settings/settings.js'
import {
  manifestProblems,
  SCHEMA_KUBERNETES_VERSION,
  type ManifestDocument,
} from './kubernetes.js'

const DIR = fileURLToPath(
  new URL('../../../../deploy/kubernetes/', import.meta.url),
)
const CLI = fileURLToPath(new URL('../../dist/cli.js', import.meta.url))
const FILES = readdirSync(DIR)
  .filter((f) => f.endsWith('.yaml'))
  .sort()

/** Every document of every manifest file, parsed strictly (duplicate keys are errors). */
function load(file: string): ManifestDocument[] {
  return parseAllDocuments(readFileSync(join(DIR, file), 'utf8'), {
    uniqueKeys: true,
  }).flatMap((doc, i) => {
    if (doc.errors.length > 0)
      throw new Error(`${file}#${i}: ${doc.errors[0]?.message ?? ''}`)
    return [{ name: `${file}#${i}`, object: doc.toJS() as unknown }]
  })
}

const docs = FILES.flatMap(load)

type Json = Record<string, unknown>
const find = (kind: string, name: string): Json => {
  const found = docs.find((d) => {
    const o = d.object as Json
    return o.kind === kind && (o.metadata as Json).name === name
  })
  if (!found) throw new Error(`no ${kind} ${name} in deploy/kubernetes`)
  return found.object as Json
}

/* The shapes these tests read; the schema check above guarantees them. */
interface Container {
  name: string
  ports: { name: string; containerPort: number }[]
  env: { name: string; value?: string; valueFrom?: unknown }[]
  readinessProbe: { httpGet: { path: string; port: string } }
  livenessProbe: { httpGet: { path: string; port: string } }
  lifecycle: { preStop: { sleep: { seconds: number } } }
  resources: {
    requests: Record<string, string>
    limits: Record<string, string>
  }
  securityContext: Json
}
interface DeploymentShape {
  spec: {
    selector: { matchLabels: Record<string, string> }
    template: {
      metadata: { labels: Record<string, string> }
      spec: {
        terminationGracePeriodSeconds: number
        securityContext: Json
        containers: Container[]
      }
    }
  }
}

describe(`deploy/kubernetes against the Kubernetes ${SCHEMA_KUBERNETES_VERSION} API schemas`, () => {
  it('has the manifests an operator applies', () => {
    expect(FILES).toEqual([
      'deployment.yaml',
      'echo.yaml',
      'horizontal-pod-autoscaler.yaml',
      'ingress.yaml',
      'pod-disruption-budget.yaml',
      'service.yaml',
    ])
  })

  /** Wrong variants of the relay Deployment: the checker must fail on each. */
  const wrong = (change: (d: Json) => void): Json => {
    const d = structuredClone(find('Deployment', 'wsrelay'))
    change(d)
    return d
  }
  const container = (d: Json): Json =>
    (d as unknown as DeploymentShape).spec.template.spec
      .containers[0] as unknown as Json
  const WRONG: Record<string, unknown> = {
    misspelt: wrong((d) => {
      container(d).readinesProbe = container(d).readinessProbe
      delete container(d).readinessProbe
    }),
    'wrong-type': wrong((d) => ((d.spec as Json).replicas = 'three')),
    'missing-field': wrong((d) => delete (d.spec as Json).selector),
    'unknown-kind': { apiVersion: 'extensions/v1beta1', kind: 'Ingress' },
  }
  let problems: string[] = []
  const problemsOf = (name: string): string[] =>
    problems.filter((p) => p.startsWith(`${name}: `))

  // One type-check for all documents: building the program takes seconds.
  beforeAll(() => {
    problems = manifestProblems([
      ...docs,
      ...Object.entries(WRONG).map(([name, object]) => ({ name, object })),
    ])
  })

  it.each(FILES)('%s is valid: schema, no unknown fields', (file) => {
    expect(problems.filter((p) => p.startsWith(`${file}#`))).toEqual([])
  })

  describe('the checker fails on a wrong manifest', () => {
    it('rejects a misspelt field, naming it', () => {
      expect(problemsOf('misspelt')).toEqual([
        expect.stringMatching(/'"readinesProbe"' does not exist in type/),
      ])
    })

    it('rejects a field of the wrong type', () => {
      expect(problemsOf('wrong-type')).toContainEqual(
        'wrong-type: data/spec/replicas must be integer',
      )
    })

    it('rejects a missing required field', () => {
      expect(problemsOf('missing-field')).toContainEqual(
        'missing-field: data/spec must have required property selector',
      )
    })

    it('rejects a kind it has no schema for', () => {
      expect(problemsOf('unknown-kind')).toEqual([
        expect.stringMatching(
          /^unknown-kind: extensions\/v1beta1 Ingress is not one of the checked kinds/,
        ),
      ])
    })
  })

  describe('the relay Deployment', () => {
    const d = find('Deployment', 'wsrelay') as unknown as DeploymentShape
    const pod = d.spec.template.spec
    const relay = pod.containers[0] as Container
    const env = Object.fromEntries(relay.env.map((e) => [e.name, e.value]))

    it('probes readiness on /readyz and liveness on /healthz, on the named port', () => {
      expect(relay.readinessProbe.httpGet).toEqual({
        path: '/readyz',
        port: 'http',
      })
      expect(relay.livenessProbe.httpGet).toEqual({
        path: '/healthz',
        port: 'http',
      })
      expect(relay.ports).toContainEqual({
        name: 'http',
        containerPort: 8080,
        protocol: 'TCP',
      })
      expect(env.WSRELAY_LISTEN).toBe('0.0.0.0:8080')
    })

    it('gives the drain time to finish: grace period > preStop sleep + drain timeout', () => {
      const drainSeconds = Number(env.WSRELAY_DRAIN_TIMEOUT) / 1000
      const sleepSeconds = relay.lifecycle.preStop.sleep.seconds
      expect(drainSeconds).toBeGreaterThan(0)
      expect(sleepSeconds).toBeGreaterThan(0)
      expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(
        sleepSeconds + drainSeconds,
      )
    })

    it('runs as non-root on a read-only root filesystem, with requests and a memory limit', () => {
      expect(pod.securityContext).toMatchObject({ runAsNonRoot: true })
      expect(relay.securityContext).toMatchObject({
        readOnlyRootFilesystem: true,
        allowPrivilegeEscalation: false,
        capabilities: { drop: ['ALL'] },
      })
      expect(Object.keys(relay.resources.requests).sort()).toEqual([
        'cpu',
        'memory',
      ])
      expect(relay.resources.limits.memory).toBeDefined()
    })

    it('is configured only through WSRELAY_* variables', () => {
      expect(relay.env.map((e) => e.name)).toSatisfy((names: string[]) =>
        names.every((n) => n.startsWith('WSRELAY_')),
      )
      // An argument would override its variable.
      expect(relay).not.toHaveProperty('args')
      expect(relay).not.toHaveProperty('command')
    })

    it('sets only settings the relay accepts, each taken from the environment (wsrelay --print-config)', () => {
      if (!existsSync(CLI))
        throw new Error(
          `${CLI} is missing: run "pnpm build" first (pnpm test does).`,
        )
      const literal = relay.env.filter((e) => e.value !== undefined)
      const result = spawnSync(process.execPath, [CLI, '--print-config'], {
        env: {
          PATH: process.env.PATH,
          ...Object.fromEntries(literal.map((e) => [e.name, e.value])),
        },
        encoding: 'utf8',
      })
      expect(result.status, result.stderr).toBe(0)
      // Columns: key, value, from, flag, env.
      const rows = result.stdout
        .trim()
        .split('\n')
        .slice(1)
        .map((line) => line.split(/\s{2,}/))
      const fromOf = new Map(rows.map((r) => [r.at(-1), r[2]]))
      expect(
        Object.fromEntries(literal.map((e) => [e.name, fromOf.get(e.name)])),
      ).toEqual(Object.fromEntries(literal.map((e) => [e.name, 'env'])))
      // The token is read on its own (never printed): from a Secret only.
      expect(
        relay.env.filter((e) => e.valueFrom !== undefined).map((e) => e.name),
      ).toEqual(['WSRELAY_TOKEN'])
    })

    it('is what the Service, PodDisruptionBudget and HorizontalPodAutoscaler select', () => {
      const labels = d.spec.template.metadata.labels
      expect(labels).toMatchObject(d.spec.selector.matchLabels)
      const service = find('Service', 'wsrelay') as {
        spec: { selector: object; ports: { targetPort: string }[] }
      }
      expect(labels).toMatchObject(service.spec.selector)
      expect(service.spec.ports[0]?.targetPort).toBe('http')
      const pdb = find('PodDisruptionBudget', 'wsrelay') as {
        spec: { selector: { matchLabels: object } }
      }
      expect(pdb.spec.selector.matchLabels).toEqual(d.spec.selector.matchLabels)
      expect(find('HorizontalPodAutoscaler', 'wsrelay')).toMatchObject({
        spec: {
          scaleTargetRef: {
            apiVersion: 'apps/v1',
            kind: 'Deployment',
            name: 'wsrelay',
          },
        },
      })
    })
  })

  it('keeps WebSockets open through ingress-nginx: timeouts longer than the ping interval, 503 retried', () => {
    const ingress = find('Ingress', 'wsrelay') as {
      metadata: { annotations: Record<string, string> }
      spec: { rules: { http: { paths: { backend: unknown }[] } }[] }
    }
    const a = ingress.metadata.annotations
    for (const key of ['proxy-read-timeout', 'proxy-send-timeout']) {
      expect(
        Number(a[`nginx.ingress.kubernetes.io/${key}`]) * 1000,
      ).toBeGreaterThan(2 * SETTINGS.pingInterval.default)
    }
    expect(a['nginx.ingress.kubernetes.io/proxy-next-upstream']).toContain(
      'http_503',
    )
    expect(ingress.spec.rules[0]?.http.paths[0]?.backend).toEqual({
      service: { name: 'wsrelay', port: { name: 'http' } },
    })
  })
})
