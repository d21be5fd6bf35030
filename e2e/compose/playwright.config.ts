import { runningStackConfig } from '../running-stack.js'

/**
 * The compose stack as a user runs it: Chromium against nginx on
 * 127.0.0.1:NGINX_PORT, in front of the relay replicas and echo in a real
 * Docker engine. `.ci/docker/compose-demo.sh` brings the stack up, runs this
 * and takes it down; the specs inspect and signal its containers with the
 * docker CLI (DOCKER_HOST, COMPOSE_PROJECT_NAME).
 */
const port = process.env.NGINX_PORT
if (!port || !process.env.COMPOSE_PROJECT_NAME) {
  throw new Error(
    'NGINX_PORT and COMPOSE_PROJECT_NAME are unset: run .ci/docker/compose-demo.sh, which starts the stack first.',
  )
}
// One stack, changed by the specs in order: they run one at a time.
export default runningStackConfig('compose', `http://127.0.0.1:${port}`)
