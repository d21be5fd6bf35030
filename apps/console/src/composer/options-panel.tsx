import { Check } from '../controls.js'
import type { LineEnding } from './bytes.js'

/** The options a user sets for sending and showing bytes. */
export interface ConsoleOptions {
  readonly lineEnding: LineEnding
  readonly isHexInput: boolean
  readonly isHexView: boolean
}

/**
 * Options: the line ending, hex input and hex display; Ping and End input
 * (no more data from this side) act on the session.
 */
export function OptionsPanel({
  options,
  onChange,
  canPing,
  canEnd,
  onPing,
  onEnd,
}: {
  options: ConsoleOptions
  onChange: (options: ConsoleOptions) => void
  canPing: boolean
  canEnd: boolean
  onPing: () => void
  onEnd: () => void
}) {
  return (
    <fieldset className="options">
      <legend>Options</legend>
      <div className="field inline">
        <label htmlFor="line-ending">Line ending</label>
        <select
          id="line-ending"
          value={options.lineEnding}
          onChange={(event) =>
            onChange({
              ...options,
              lineEnding: event.target.value as LineEnding,
            })
          }
          disabled={options.isHexInput}
        >
          <option value="lf">LF (\n)</option>
          <option value="crlf">CRLF (\r\n)</option>
          <option value="none">None</option>
        </select>
      </div>
      <Check
        label="Send hex"
        checked={options.isHexInput}
        onChecked={(isHexInput) => onChange({ ...options, isHexInput })}
      />
      <Check
        label="Show received as hex"
        checked={options.isHexView}
        onChecked={(isHexView) => onChange({ ...options, isHexView })}
      />
      <div className="buttons">
        <button type="button" onClick={onPing} disabled={!canPing}>
          Ping
        </button>
        <button type="button" onClick={onEnd} disabled={!canEnd}>
          End input
        </button>
      </div>
    </fieldset>
  )
}
