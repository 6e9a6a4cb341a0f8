// Types for server-events.mjs (the tests import it from TypeScript).
export interface SignOptions {
  source: string;
  /** The source's key, `whsec_…`. */
  secret: string;
  id?: string;
  /** Unix seconds. */
  timestamp?: number;
}
export function signServerEvents(body: string, options: SignOptions): Record<string, string>;
export function sendServerEvents(
  siteUrl: string | URL,
  message: unknown,
  options: { source: string; secret: string; tries?: number; fetch?: (request: Request) => Promise<Response> },
): Promise<Record<string, unknown>>;
export function verifyHook(rawBody: string, headers: Record<string, string> | Headers, secret: string, options?: { toleranceS?: number; now?: number }): unknown;
