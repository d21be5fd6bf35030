import { readdirSync, readFileSync } from 'node:fs'
import { REPO_ROOT } from './processes.js'

/** The walkthrough's folder, relative to the repository root. */
export const LEARN_DIR = 'docs/learn'

/** A fenced code block of a chapter. */
export interface CodeBlock {
  readonly chapter: string
  /** 1-based line of the opening fence. */
  readonly line: number
  /** 1-based line of the closing fence. */
  readonly end: number
  readonly lang: string
  readonly content: string
  /** From `<!-- snippet: PATH -->` or `<!-- snippet: PATH#L3-L9 -->` just above the fence. */
  readonly snippet?: {
    readonly path: string
    readonly from?: number
    readonly to?: number
  }
  /** For an `sh` block: the `text` block right after it, the output the reader sees. */
  readonly output?: string
}

const SNIPPET = /^<!-- snippet: ([^\s#]+)(?:#L(\d+)-L(\d+))? -->$/

/** The chapters, in reading order (file names start with their number). */
export function chapterFiles(): string[] {
  return readdirSync(`${REPO_ROOT}${LEARN_DIR}`)
    .filter((f) => /^\d\d-.*\.md$/.test(f) || f === 'README.md')
    .sort()
}

/** Every fenced block of a chapter, with its snippet marker and expected output. */
export function codeBlocks(chapter: string): CodeBlock[] {
  const lines = readFileSync(
    `${REPO_ROOT}${LEARN_DIR}/${chapter}`,
    'utf8',
  ).split('\n')
  const blocks: CodeBlock[] = []
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\S*)$/.exec(lines[i] ?? '')
    if (!open) continue
    const start = i
    const body: string[] = []
    for (i++; i < lines.length && lines[i] !== '```'; i++)
      body.push(lines[i] ?? '')
    let above = start - 1
    while (above >= 0 && lines[above]?.trim() === '') above--
    const marker = SNIPPET.exec(lines[above] ?? '')
    blocks.push({
      chapter,
      line: start + 1,
      end: i + 1,
      lang: open[1] ?? '',
      content: body.join('\n'),
      snippet: marker?.[1]
        ? {
            path: marker[1],
            from: marker[2] === undefined ? undefined : Number(marker[2]),
            to: marker[3] === undefined ? undefined : Number(marker[3]),
          }
        : undefined,
    })
  }
  // A `text` block right after an `sh` block (blank lines between) is its output.
  const isOutput = (n: number): boolean => {
    const block = blocks[n]
    const before = blocks[n - 1]
    return (
      block?.lang === 'text' &&
      before?.lang === 'sh' &&
      lines.slice(before.end, block.line - 1).every((l) => l.trim() === '')
    )
  }
  return blocks.flatMap((block, n) => {
    if (isOutput(n)) return []
    return isOutput(n + 1)
      ? [{ ...block, output: blocks[n + 1]?.content }]
      : [block]
  })
}

/** The text a snippet marker points at: the whole file, or lines from-to. */
export function snippetSource(
  snippet: NonNullable<CodeBlock['snippet']>,
): string {
  const text = readFileSync(`${REPO_ROOT}${snippet.path}`, 'utf8').replace(
    /\n$/,
    '',
  )
  if (snippet.from === undefined || snippet.to === undefined) return text
  return text
    .split('\n')
    .slice(snippet.from - 1, snippet.to)
    .join('\n')
}
