import { expect, test } from '@playwright/test'
import { LIGHT, log, logLine, openConsole, sendLine } from '../page.js'

test("the README's demo line, from nothing: hello goes out red and comes back blue through the relay", async ({
  page,
}) => {
  // The console's page and script from Vite, its WebSocket through Vite's
  // proxy to the relay, and the relay's TCP to the echo server: all three of
  // `pnpm dev`, in the container.
  await openConsole(page)
  await sendLine(page, 'hello')
  await expect(logLine(page, '>>> hello')).toHaveCSS('color', LIGHT.sent)
  await expect(logLine(page, '<<< hello from the server')).toHaveCSS(
    'color',
    LIGHT.received,
  )
  // The round trip as the console shows it, for CI's log.
  console.log((await log(page).innerText()).trim())
})
