/**
 * The reliability suite's frame: a row per fault or bad input of docs/reliability.md, what each
 * row's outcome was, and the cross-visitor leak ledger every response of a leak row goes through.
 * The runner (test/workerd/reliability.test.ts) turns rows into tests and prints the counts.
 */

/** The document's three sections, in its order. */
export type Section = "fault" | "bad" | "leak";

export interface Row {
  section: Section;
  /** The bullet of docs/reliability.md this row proves (its bold title, exactly). */
  entry: string;
  /** The concrete case, as the test's name. */
  name: string;
  run: () => Promise<void>;
  /** Milliseconds, for the rows that send hundreds of requests. */
  timeout?: number;
}

/** Rows of one bullet: `rows("fault", "Handlers never throw", [["a slot …", async () => {…}]])`. */
export function rows(section: Section, entry: string, cases: Array<[string, () => Promise<void>, number?]>): Row[] {
  return cases.map(([name, run, timeout]) => ({ section, entry, name, run, ...(timeout ? { timeout } : {}) }));
}

/** Rows that ran and rows that passed, per section: computed as the suite runs, never written down. */
export const tally: Record<Section, { ran: number; passed: number }> = {
  fault: { ran: 0, passed: 0 },
  bad: { ran: 0, passed: 0 },
  leak: { ran: 0, passed: 0 },
};

/**
 * Who may see what: each visitor's markers (strings that appear only in what belongs to them:
 * their session cookie, their profile, their memory). A row takes a `scope` (its own visitors);
 * `check` counts a response, and a leak for every other visitor's marker found in it, in the
 * suite's totals.
 *
 * @example
 * const seen = ledger.scope();
 * seen.visitor("alice", ["alice-session-x1"]);
 * seen.check("bob", res, body); // [] unless bob's response names alice's marker
 */
export class LeakLedger {
  responses = 0;
  leaks = 0;
  readonly found: string[] = [];

  scope(): LeakScope {
    return new LeakScope(this);
  }
}

export class LeakScope {
  readonly #totals: LeakLedger;
  readonly #markers = new Map<string, string[]>();

  constructor(totals: LeakLedger) {
    this.#totals = totals;
  }

  visitor(owner: string, markers: string[]): void {
    this.#markers.set(owner, markers);
  }

  /** Every other visitor's marker found in this response's headers or body (counted in the suite's totals). */
  check(owner: string, res: Response, body: string): string[] {
    this.#totals.responses++;
    const text = `${[...res.headers].map(([k, v]) => `${k}: ${v}`).join("\n")}\n\n${body}`;
    const hits: string[] = [];
    for (const [other, markers] of this.#markers) {
      if (other === owner) continue;
      for (const m of markers) if (text.includes(m)) hits.push(`${owner} saw ${other}'s ${m}`);
    }
    this.#totals.leaks += hits.length;
    this.#totals.found.push(...hits);
    return hits;
  }
}

export const ledger = new LeakLedger();

/**
 * The summary line, from what ran.
 *
 * @example
 * summary(); // "faults survived 31/31, bad inputs refused 88/88, cross-visitor leaks 0 in 512 responses"
 */
export function summary(): string {
  const { fault, bad } = tally;
  return `faults survived ${fault.passed}/${fault.ran}, bad inputs refused ${bad.passed}/${bad.ran}, cross-visitor leaks ${ledger.leaks} in ${ledger.responses} responses`;
}

/** The "Nothing leaked, nothing lost" rows' own count, printed beside the summary. */
export function leakRowsLine(): string {
  return `nothing leaked, nothing lost ${tally.leak.passed}/${tally.leak.ran}`;
}

/** A marker no other visitor's can contain: fixed width, one run's prefix. */
export function marker(kind: string, run: string, i: number): string {
  return `${kind}${run}q${String(i).padStart(3, "0")}z`;
}
