/**
 * Per-request memos with nothing allocated per request: the results of rules shared across
 * variants (segments, repeated sub-rules) and the impressions counted per cap key and period.
 *
 * The buffers belong to the compiled manifest and are reused by every request on it. Each
 * request takes a fresh stamp (`makeFacts`), and an entry counts only for the request whose
 * stamp it carries: another request's entries, or those left by a decision whose explanation is
 * worded later (fast-pick.ts), read as "not yet evaluated". Workers run one request's engine
 * call to its end before the next (no await inside), so a stamp is never shared.
 */
export class RequestMemo {
  /** Per shared rule: stamp·4 + 2 (true) or + 1 (false). */
  readonly rules: Float64Array;
  /** Per cap index: the stamp of the request that counted it, and its count. */
  readonly capStamps: Float64Array;
  readonly capSeen: Int32Array;
  readonly topics: TopicMemo;

  constructor(rules: number, caps: number, topics: readonly string[]) {
    this.rules = new Float64Array(rules);
    this.capStamps = new Float64Array(caps);
    this.capSeen = new Int32Array(caps);
    this.topics = new TopicMemo(topics);
  }
}

/** Per topic of the manifest (by the index compilation gave it): what scoring reads of the visitor, looked up once per request (scoring.ts `scoreOf`). */
export class TopicMemo {
  readonly names: readonly string[];
  readonly stamps: Float64Array;
  /** 1 when the topic is among the visitor's stated topics. */
  readonly stated: Uint8Array;
  /** Inferred interest and recent views; NaN when the visitor has none on record (or no consent). */
  readonly interest: Float64Array;
  readonly views: Float64Array;

  constructor(names: readonly string[]) {
    this.names = names;
    this.stamps = new Float64Array(names.length);
    this.stated = new Uint8Array(names.length);
    this.interest = new Float64Array(names.length);
    this.views = new Float64Array(names.length);
  }
}

/** Facts made without a compiled manifest (tests, the performance recorder): nothing memoized. */
export const NO_MEMO = new RequestMemo(0, 0, []);

let lastStamp = 0;

/** A stamp no other request has (exact in a double up to 2^51 requests). */
export function nextStamp(): number {
  return ++lastStamp;
}

/** What the memo says about rule `index` for the request `stamp`: 2 true, 1 false, 0 not yet (or past the end). */
export function memoRule(memo: RequestMemo, stamp: number, index: number): number {
  const d = (memo.rules[index] ?? 0) - stamp * 4;
  return d === 2 || d === 1 ? d : 0;
}

export function rememberRule(memo: RequestMemo, stamp: number, index: number, result: boolean): void {
  // Past the end of the buffer the write is dropped: the rule is just evaluated again.
  memo.rules[index] = stamp * 4 + (result ? 2 : 1);
}

/** The impressions counted for cap `index` in request `stamp`, or -1 when not yet counted. */
export function memoCapCount(memo: RequestMemo, stamp: number, index: number): number {
  return memo.capStamps[index] === stamp ? memo.capSeen[index]! : -1;
}

export function rememberCapCount(memo: RequestMemo, stamp: number, index: number, seen: number): void {
  if (index >= memo.capStamps.length) return;
  memo.capStamps[index] = stamp;
  memo.capSeen[index] = seen;
}
