// What a close code means, from the protocol package (the same words the console shows).
import { closeCodeInfo } from '@wsrelay/protocol'

for (const code of process.argv.slice(2).map(Number)) {
  const { name, meaning, hint, retry } = closeCodeInfo(code)
  console.log(
    `${code} ${name}: ${meaning} ${hint} (retry: ${retry ? 'yes' : 'no'})`,
  )
}
