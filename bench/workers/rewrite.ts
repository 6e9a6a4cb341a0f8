/**
 * A plain streaming HTMLRewriter that fills every `[data-p13n-slot]` with a fixed
 * fragment: the cost of lol-html on the page with no profile, KV or decision work.
 * Issue 8's "plain rewriter" reference (scenario `baseline-rewrite`).
 */
interface RewriteEnv {
  ORIGIN_URL: string;
}

const FRAGMENT = '<div class="bench-variant"><h2>Members save 20% today</h2><p>Free returns on every order.</p></div>';

export default {
  async fetch(request: Request, env: RewriteEnv): Promise<Response> {
    const url = new URL(request.url);
    const response = await fetch(new Request(new URL(url.pathname + url.search, env.ORIGIN_URL), request));
    if (!response.ok || !(response.headers.get("content-type") ?? "").includes("text/html")) return response;
    return new HTMLRewriter()
      .on("[data-p13n-slot]", {
        element(el) {
          el.setInnerContent(FRAGMENT, { html: true });
          el.setAttribute("data-p13n-variant", "bench");
        },
      })
      .transform(response);
  },
};
