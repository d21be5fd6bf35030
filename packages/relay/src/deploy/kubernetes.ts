import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler'
import { Deployment } from 'kubernetes-models/apps/v1/Deployment'
import { Ingress } from 'kubernetes-models/networking.k8s.io/v1/Ingress'
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget'
import { Service } from 'kubernetes-models/v1/Service'
import ts from 'typescript'

/*
 * Checks Kubernetes manifests against the API's own schemas, offline.
 * kubernetes-models (pinned; its 4.5 line carries the Kubernetes 1.33
 * OpenAPI schemas and runs on Node 20) validates each object with the
 * schema's types, formats, enums and required fields. Those schemas, like
 * the API server's, allow unknown fields, which a cluster then silently
 * drops (a misspelt `readinesProbe` is simply no probe); so, like
 * kubeconform's -strict, each object is also type-checked as an object
 * literal against the same package's generated TypeScript types, where an
 * unknown field is an error.
 */

/** The API versions and kinds deploy/kubernetes may use, with their model and type. */
const KINDS = {
  'apps/v1 Deployment': {
    model: Deployment,
    module: 'kubernetes-models/apps/v1/Deployment',
    type: 'IDeployment',
  },
  'v1 Service': {
    model: Service,
    module: 'kubernetes-models/v1/Service',
    type: 'IService',
  },
  'networking.k8s.io/v1 Ingress': {
    model: Ingress,
    module: 'kubernetes-models/networking.k8s.io/v1/Ingress',
    type: 'IIngress',
  },
  'policy/v1 PodDisruptionBudget': {
    model: PodDisruptionBudget,
    module: 'kubernetes-models/policy/v1/PodDisruptionBudget',
    type: 'IPodDisruptionBudget',
  },
  'autoscaling/v2 HorizontalPodAutoscaler': {
    model: HorizontalPodAutoscaler,
    module: 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler',
    type: 'IHorizontalPodAutoscaler',
  },
} as const

/** The Kubernetes version whose API schemas kubernetes-models 4.5 carries. */
export const SCHEMA_KUBERNETES_VERSION = '1.33'

/** One manifest document, named for error messages (`file.yaml#0`). */
export interface ManifestDocument {
  readonly name: string
  readonly object: unknown
}

const kindOf = (object: unknown): string => {
  const { apiVersion, kind } = (object ?? {}) as Record<string, unknown>
  return `${String(apiVersion)} ${String(kind)}`
}

/** Schema errors of one object, or an error naming a kind this checker does not know. */
function schemaProblems(doc: ManifestDocument): string[] {
  const key = kindOf(doc.object)
  if (!(key in KINDS)) {
    return [
      `${doc.name}: ${key} is not one of the checked kinds (${Object.keys(KINDS).join(', ')}); add it to src/deploy/kubernetes.ts`,
    ]
  }
  const { model } = KINDS[key as keyof typeof KINDS]
  try {
    // The model's constructor takes the kind's fields; the schema decides.
    new model(doc.object as never).validate()
    return []
  } catch (err) {
    return [`${doc.name}: ${(err as Error).message}`]
  }
}

/** Unknown and mistyped fields, from TypeScript's excess-property check. */
function typeProblems(docs: readonly ManifestDocument[]): string[] {
  const known = docs.filter((d) => kindOf(d.object) in KINDS)
  if (known.length === 0) return []
  // A file that is never written: beside this one, so that imports resolve
  // to this package's node_modules.
  const file = join(dirname(fileURLToPath(import.meta.url)), '__manifests__.ts')
  const lines = known.map((doc, i) => {
    const { module, type } = KINDS[kindOf(doc.object) as keyof typeof KINDS]
    return (
      `import type { ${type} as T${i} } from '${module}'\n` +
      `export const doc${i}: T${i} = ${JSON.stringify(doc.object)}\n`
    )
  })
  const source = lines.join('')
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    target: ts.ScriptTarget.ES2022,
    types: [],
  }
  const base = ts.createCompilerHost(options)
  const host: ts.CompilerHost = {
    ...base,
    fileExists: (f) => f === file || base.fileExists(f),
    readFile: (f) => (f === file ? source : base.readFile(f)),
    getSourceFile: (f, version, ...rest) =>
      f === file
        ? ts.createSourceFile(f, source, version)
        : base.getSourceFile(f, version, ...rest),
  }
  const program = ts.createProgram([file], options, host)
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const message = ts.flattenDiagnosticMessageText(d.messageText, '; ')
    if (d.file?.fileName !== file || d.start === undefined) return message
    const { line } = d.file.getLineAndCharacterOfPosition(d.start)
    const doc = known[Math.floor(line / 2)]
    return `${doc?.name ?? '?'}: ${message}`
  })
}

/** Every schema, unknown-field and type problem in `docs`; empty when all are valid. */
export function manifestProblems(docs: readonly ManifestDocument[]): string[] {
  return [...docs.flatMap(schemaProblems), ...typeProblems(docs)]
}
