/**
 * Consent everywhere (issue 12, item 9), through the real page path: a variant's
 * `suppressWhen` sees the same consent-filtered facts as its audience, so a visitor who
 * refused personalization is not sorted by their profile, not even by what is withheld.
 */
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { invalidateManifest } from "../../src/content/manifest-store.ts";
import { call } from "../fixtures/call.ts";
import { manifest, publish } from "../fixtures/manifest.ts";
import { fixtureOrigin, html } from "../fixtures/origin.ts";
import { profileToken } from "../fixtures/tokens.ts";

const PAGE = "<html><body><div data-p13n-slot='hero'>Default hero</div></body></html>";
const origin = fixtureOrigin({ "/": () => html(PAGE) });

beforeEach(async () => {
  invalidateManifest(env.CONTENT);
  await publish(
    env.CONTENT,
    manifest({
      // Shown to everyone but gold members: withholding it from gold targets everyone else.
      hero: [{ id: "upgrade", html: "<b>Go gold</b>", suppressWhen: { attr: "profile.tier", eq: "gold" } }],
    }),
  );
});

async function page(claims: Record<string, unknown>, extraCookie = "") {
  const cookie = `p13n_profile=${await profileToken({ claims })}${extraCookie}`;
  const { res, body } = await call(origin.fetch, "/", { headers: { cookie } });
  return { status: res.status, upgrade: body.includes("Go gold"), timing: res.headers.get("server-timing") ?? "" };
}

describe("suppressWhen on a profile attribute", () => {
  it("with consent, a gold member's page withholds the variant", async () => {
    expect(await page({ tier: "gold" })).toMatchObject({ status: 200, upgrade: false });
    expect(await page({ tier: "silver" })).toMatchObject({ status: 200, upgrade: true });
  });

  it("with consent.personalize false in the profile, the rule does not see the tier: gold or not, the same page", async () => {
    const gold = await page({ tier: "gold", consent: { personalize: false, track: true } });
    const silver = await page({ tier: "silver", consent: { personalize: false, track: true } });
    expect(gold).toMatchObject({ status: 200, upgrade: true });
    expect(silver).toMatchObject({ status: 200, upgrade: true });
    expect(gold.timing).toContain('profile;dur=');
    expect(gold.timing).toContain('desc="verified"');
  });

  it("a refusal from the site's consent cookie does the same", async () => {
    const refusal = `; p13n_consent=${encodeURIComponent(JSON.stringify({ personalize: false, track: true }))}`;
    expect(await page({ tier: "gold" }, refusal)).toMatchObject({ status: 200, upgrade: true });
  });
});
