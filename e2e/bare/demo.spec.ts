import { test } from '@playwright/test'
import { expectHelloRoundTrip, log, openConsole } from '../page.js'

test("the README's demo line, from nothing: hello goes out red and comes back blue through the relay", async ({
  page,
}) => {
  // The console's page and script from Vite, its WebSocket through Vite's
  // proxy to the relay, and the relay's TCP to the echo server: all three of
  // `pnpm dev`, in the container.
  await openConsole(page)
  await expectHelloRoundTrip(page)
  // The round trip as the console shows it, for CI's log (indented: CI's
  // own lines start with --- and ===).
  const shown = (await log(page).innerText()).trim()
  console.log(shown.replace(/^/gm, '    '))
})
