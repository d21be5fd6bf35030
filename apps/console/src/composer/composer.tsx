import { forwardRef, useImperativeHandle, useRef, useState } from 'react'
import type { LogStore } from '../log/log-store.js'
import { LINE_ENDINGS, pastedLines, type LineEnding } from './bytes.js'
import { parseHex, toHex } from './hex.js'

/** Lines kept for the arrow-key history. */
const HISTORY_SIZE = 100
/** Lines of a paste sent before the page yields to the browser. */
const PASTE_SLICE_LINES = 200

const encoder = new TextEncoder()

/** How a typed line becomes bytes. */
export interface SendOptions {
  readonly isHexInput: boolean
  readonly lineEnding: LineEnding
}

/** The message box, focusable from outside (after Connect). */
export interface ComposerHandle {
  focus(): void
}

/**
 * The message box and Send: Enter sends the line (red in the log), the
 * arrow keys recall the last lines, a multi-line paste is sent line by line.
 * Typing re-renders only this component, however fast the log moves.
 */
export const Composer = forwardRef<
  ComposerHandle,
  {
    canSend: boolean
    options: SendOptions
    log: LogStore
    send: (bytes: Uint8Array) => string | undefined
    drain: () => Promise<void>
  }
>(function Composer({ canSend, options, log, send, drain }, ref) {
  const [draft, setDraft] = useState('')
  const inputRef = useRef<HTMLInputElement>(null)
  const history = useRef<string[]>([])
  const historyIndex = useRef<number | undefined>(undefined)
  useImperativeHandle(ref, () => ({ focus: () => inputRef.current?.focus() }))

  /** Sends one line as typed; false (with a log line saying why) when it cannot. */
  const sendLine = (line: string): boolean => {
    let bytes: Uint8Array
    let shown: string
    if (options.isHexInput) {
      const parsed = parseHex(line)
      if (!parsed) {
        log.push({
          type: 'error',
          text: `Not hex bytes: "${line}". Type pairs like "de ad be ef".`,
        })
        return false
      }
      bytes = parsed
      shown = toHex(parsed)
    } else {
      bytes = encoder.encode(line + LINE_ENDINGS[options.lineEnding])
      shown = line
    }
    const error = send(bytes)
    if (error !== undefined) {
      log.push({ type: 'error', text: `Not sent: "${line}". ${error}` })
      return false
    }
    log.push({ type: 'sent', text: shown })
    log.countSent(bytes.length)
    if (line.length > 0 && history.current.at(-1) !== line) {
      history.current.push(line)
      if (history.current.length > HISTORY_SIZE) history.current.shift()
    }
    historyIndex.current = undefined
    return true
  }

  /**
   * Sends pasted lines in slices, letting the page breathe between them (a
   * paste of 10,000 lines must not freeze it) and waiting for the socket's
   * send buffer to drain. A line that cannot be sent stops the rest.
   */
  const sendLines = async (lines: readonly string[]) => {
    for (let index = 0; index < lines.length; index++) {
      if (!sendLine(lines[index] ?? '')) {
        setDraft(lines.slice(index).join(' '))
        return
      }
      if ((index + 1) % PASTE_SLICE_LINES === 0) {
        await drain()
        await new Promise((resolve) => setTimeout(resolve, 0))
      }
    }
  }

  return (
    <form
      className="send"
      onSubmit={(event) => {
        event.preventDefault()
        if (!canSend) return
        if (
          draft.length === 0 &&
          (options.isHexInput || options.lineEnding === 'none')
        )
          return
        if (sendLine(draft)) setDraft('')
      }}
    >
      <label htmlFor="message">Message</label>
      <input
        id="message"
        ref={inputRef}
        value={draft}
        onChange={(event) => {
          setDraft(event.target.value)
          historyIndex.current = undefined
        }}
        onPaste={(event) => {
          const text = event.clipboardData.getData('text')
          if (!/[\r\n]/.test(text)) return
          // An <input> would join the lines with spaces: send them one by one instead.
          event.preventDefault()
          const input = event.currentTarget
          const start = input.selectionStart ?? draft.length
          const end = input.selectionEnd ?? draft.length
          setDraft('')
          void sendLines(
            pastedLines(draft.slice(0, start) + text + draft.slice(end)),
          )
        }}
        onKeyDown={(event) => {
          if (event.key !== 'ArrowUp' && event.key !== 'ArrowDown') return
          const past = history.current
          if (past.length === 0) return
          event.preventDefault()
          const current = historyIndex.current ?? past.length
          const next =
            event.key === 'ArrowUp'
              ? Math.max(0, current - 1)
              : Math.min(past.length, current + 1)
          historyIndex.current = next === past.length ? undefined : next
          setDraft(past[next] ?? '')
        }}
        placeholder={
          options.isHexInput ? 'de ad be ef' : 'Type a line and press Enter'
        }
        disabled={!canSend}
        autoComplete="off"
        spellCheck={false}
        autoFocus
      />
      <button type="submit" disabled={!canSend}>
        Send
      </button>
    </form>
  )
})
