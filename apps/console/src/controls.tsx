import type { InputHTMLAttributes } from 'react'

/** A labelled text box in the panels' column layout (`wide` takes a row of its own). */
export function TextField({
  id,
  label,
  value,
  onValue,
  className = '',
  ...input
}: {
  id: string
  label: string
  value: string
  onValue: (value: string) => void
  className?: string
} & Omit<
  InputHTMLAttributes<HTMLInputElement>,
  'id' | 'value' | 'onChange' | 'className'
>) {
  return (
    <div className={`field ${className}`.trim()}>
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        value={value}
        onChange={(event) => onValue(event.target.value)}
        {...input}
      />
    </div>
  )
}

/** A checkbox with its label after it. */
export function Check({
  label,
  checked,
  onChecked,
}: {
  label: string
  checked: boolean
  onChecked: (checked: boolean) => void
}) {
  return (
    <label className="check">
      <input
        type="checkbox"
        checked={checked}
        onChange={(event) => onChecked(event.target.checked)}
      />
      {label}
    </label>
  )
}
