/** A fake Io whose HTTP answers come from a handler, recording every request (the CLI's one outside-call module, replaced). */
import type { RunResult } from "../../../cli/io.ts";
import { fakeIo, type FakeIo } from "../content/helpers.ts";

export interface Sent {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: unknown;
}

export interface HttpIo extends FakeIo {
  sent: Sent[];
}

export function httpIo(
  answer: (req: Sent) => { status?: number; body: unknown },
  wrangler?: (args: readonly string[]) => RunResult | Promise<RunResult>,
): HttpIo {
  const io = fakeIo(wrangler) as HttpIo;
  io.sent = [];
  io.fetch = async (input, init) => {
    const headers: Record<string, string> = {};
    new Headers(init?.headers).forEach((value, key) => (headers[key] = value));
    const text = typeof init?.body === "string" ? init.body : undefined;
    const req: Sent = { method: init?.method ?? "GET", url: String(input), headers, body: text === undefined ? undefined : JSON.parse(text) };
    io.sent.push(req);
    const a = answer(req);
    return new Response(JSON.stringify(a.body), { status: a.status ?? 200, headers: { "content-type": "application/json" } });
  };
  return io;
}

export const REMOTE = ["--url", "https://shop.example", "--token", "t0ken"];
