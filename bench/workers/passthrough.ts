/**
 * The bench's reference: fetch the same origin URL the real worker would, return the
 * response as it came. Nothing else: no cookie reading, no KV, no rewriting.
 */
interface PassthroughEnv {
  ORIGIN_URL: string;
}

export default {
  fetch(request: Request, env: PassthroughEnv): Promise<Response> {
    const url = new URL(request.url);
    return fetch(new Request(new URL(url.pathname + url.search, env.ORIGIN_URL), request));
  },
};
