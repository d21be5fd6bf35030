import http from 'node:http'

/** A plain HTTP answer, body as text. */
export interface HttpAnswer {
  readonly status: number
  readonly headers: http.IncomingHttpHeaders
  readonly body: Buffer
}

/** One HTTP request to 127.0.0.1:port; resolves with the whole answer. */
export function httpRequest(
  port: number,
  path: string,
  options: {
    method?: string
    headers?: Record<string, string>
    timeoutMs?: number
  } = {},
): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: options.method ?? 'GET',
        headers: options.headers,
        agent: false,
        timeout: options.timeoutMs ?? 5000,
      },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('error', reject)
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks),
          }),
        )
      },
    )
    req.on('timeout', () => req.destroy(new Error(`HTTP ${path} timed out`)))
    req.on('error', reject)
    req.end()
  })
}
