import { runningStackConfig } from '../running-stack.js'

/**
 * The README's demo line on a bare machine, seen from outside: Chromium on
 * this machine opens the URL `pnpm dev` printed in a clean container (host
 * network) and types hello. `.ci/docker/bare-machine.sh` starts the demo,
 * runs this with BARE_DEMO_URL, and stops it.
 */
const url = process.env.BARE_DEMO_URL
if (!url) {
  throw new Error(
    'BARE_DEMO_URL is unset: run .ci/docker/bare-machine.sh, which starts the demo in a clean container first.',
  )
}

export default runningStackConfig('bare', url)
