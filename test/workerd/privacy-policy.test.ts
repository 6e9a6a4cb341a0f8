/**
 * The pieces of "respect the no" on their own: the policy matrix (every signal against
 * every policy), the site's consent cookie formats, the visitor's choice cookie, and how
 * /__p13n/me reads Accept.
 */
import { describe, expect, it } from "vitest";
import { choiceCookie, readChoice, refuses } from "../../src/privacy/choice-cookie.ts";
import { parseConsentCookie } from "../../src/privacy/consent-cookie.ts";
import { decidePrivacy } from "../../src/privacy/policy.ts";
import type { ConsentSignals, PrivacyPolicy } from "../../src/privacy/types.ts";
import { wantsHtml } from "../../src/routes/me/negotiate.ts";

const none: ConsentSignals = { gpc: false, profile: {}, site: {}, visitor: {} };
const OPT_OUT: PrivacyPolicy = { consentDefault: "opt-out", noConsentMode: "context" };
const OPT_IN: PrivacyPolicy = { consentDefault: "opt-in", noConsentMode: "context" };
const OPT_IN_NONE: PrivacyPolicy = { consentDefault: "opt-in", noConsentMode: "none" };

describe("the policy matrix", () => {
  const rows: Array<[string, Partial<ConsentSignals>, PrivacyPolicy, { track: boolean; personalize: boolean; mode: string; trackBy: string }]> = [
    ["nothing said, opt-out", {}, OPT_OUT, { track: true, personalize: true, mode: "full", trackBy: "default" }],
    ["nothing said, opt-in", {}, OPT_IN, { track: false, personalize: false, mode: "context", trackBy: "default" }],
    ["nothing said, opt-in, mode none", {}, OPT_IN_NONE, { track: false, personalize: false, mode: "none", trackBy: "default" }],
    ["GPC, opt-out", { gpc: true }, OPT_OUT, { track: false, personalize: false, mode: "context", trackBy: "gpc" }],
    ["GPC beats every yes", { gpc: true, site: { track: true }, profile: { track: true }, visitor: { track: true } }, OPT_IN, { track: false, personalize: false, mode: "context", trackBy: "gpc" }],
    ["site cookie no", { site: { track: false } }, OPT_OUT, { track: false, personalize: false, mode: "context", trackBy: "site" }],
    ["site cookie yes under opt-in", { site: { track: true, personalize: true } }, OPT_IN, { track: true, personalize: true, mode: "full", trackBy: "site" }],
    ["profile no", { profile: { track: false } }, OPT_OUT, { track: false, personalize: false, mode: "context", trackBy: "profile" }],
    ["profile yes under opt-in", { profile: { track: true } }, OPT_IN, { track: true, personalize: false, mode: "full", trackBy: "profile" }],
    ["visitor's own no beats the site's yes", { visitor: { track: false }, site: { track: true } }, OPT_OUT, { track: false, personalize: false, mode: "context", trackBy: "visitor" }],
    ["a site no beats the visitor's yes", { visitor: { track: true }, site: { track: false } }, OPT_OUT, { track: false, personalize: false, mode: "context", trackBy: "site" }],
    ["track yes, personalize no", { site: { track: true, personalize: false } }, OPT_OUT, { track: true, personalize: false, mode: "full", trackBy: "site" }],
  ];
  for (const [label, signals, policy, want] of rows) {
    it(label, () => {
      const d = decidePrivacy({ ...none, ...signals }, policy);
      expect({ track: d.track, personalize: d.personalize, mode: d.mode, trackBy: d.trackBy }).toEqual(want);
    });
  }

  it("personalization from personal data never without tracking", () => {
    for (const gpc of [true, false])
      for (const track of [true, false, undefined])
        for (const personalize of [true, false, undefined])
          for (const policy of [OPT_OUT, OPT_IN]) {
            const d = decidePrivacy({ ...none, gpc, site: { ...(track === undefined ? {} : { track }), ...(personalize === undefined ? {} : { personalize }) } }, policy);
            if (!d.track) expect(d.personalize).toBe(false);
            if (gpc) expect(d.track).toBe(false);
          }
  });
});

describe("the site's consent cookie", () => {
  it("json, raw or percent-encoded; missing fields are 'not said'", () => {
    expect(parseConsentCookie('{"personalize":true,"track":false}', "json")).toEqual({ personalize: true, track: false });
    expect(parseConsentCookie(encodeURIComponent('{"track":true}'), "json")).toEqual({ track: true });
    expect(parseConsentCookie("{}", "json")).toEqual({});
  });

  it("anything else is 'not said', never an error", () => {
    for (const bad of ["", "{", "null", "[]", '{"track":"yes"}', "%E0%A4%A", "x".repeat(2000), '"true"']) expect(parseConsentCookie(bad, "json")).toEqual({});
    expect(parseConsentCookie(undefined, "json")).toEqual({});
  });

  it("binary: 1 is yes to both, 0 no to both, anything else not said", () => {
    expect(parseConsentCookie("1", "binary")).toEqual({ personalize: true, track: true });
    expect(parseConsentCookie("0", "binary")).toEqual({ personalize: false, track: false });
    expect(parseConsentCookie("true", "binary")).toEqual({});
  });
});

describe("the visitor's choice cookie", () => {
  const req = (value: string) => new Request("https://shop.example/", { headers: { cookie: `__Host-p13n_consent=${value}` } });

  it("round-trips and is a proper __Host- cookie", () => {
    const set = choiceCookie({ personalize: false, track: true });
    expect(set).toBe("__Host-p13n_consent=personalize=0&track=1; Max-Age=31536000; Path=/; Secure; HttpOnly; SameSite=Lax");
    expect(readChoice(req("personalize=0&track=1"))).toEqual({ personalize: false, track: true });
  });

  it("ignores what it does not know, clears when nothing is chosen", () => {
    expect(readChoice(req("track=maybe&colour=1&personalize=1"))).toEqual({ personalize: true });
    expect(choiceCookie({})).toMatch(/^__Host-p13n_consent=; Max-Age=0;/);
    expect(refuses({ track: false })).toBe(true);
    expect(refuses({ personalize: true, track: true })).toBe(false);
  });
});

describe("Accept negotiation for /__p13n/me", () => {
  it("HTML only when the browser asks for it at least as much as JSON", () => {
    expect(wantsHtml("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")).toBe(true);
    expect(wantsHtml("*/*")).toBe(false);
    expect(wantsHtml(null)).toBe(false);
    expect(wantsHtml("application/json")).toBe(false);
    expect(wantsHtml("application/json, text/html;q=0.5")).toBe(false);
    expect(wantsHtml("text/html;q=0")).toBe(false);
  });
});
