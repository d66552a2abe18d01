/**
 * The session's own cost ledger: billable time by product and usage class (the Console usage API's columns,
 * src/schemas/agora/console.ts), recorded from the session's phases as it runs. A lifecycle names its
 * billable phases; the ledger opens an interval when the session enters one and closes it when it leaves
 * them all. Intervals live in the carried state, so a continued run keeps adding to the same ledger, and
 * the status and the result report them (an open interval counted up to now).
 * `rtcflow usage` sums these beside the vendor's own usage report (src/client/usage.ts).
 */
export interface UsageEntry {
  /** RtcProduct, e.g. cloud-recording */
  product: string;
  /** the vendor's usage column, e.g. durationVideoHd */
  usageClass: string;
  /** ISO time the billable interval began */
  from: string;
  /** ISO time it ended; absent while it is open */
  to?: string;
  /** whole seconds billed in the interval (so far, while open) */
  seconds: number;
}

export class UsageLedger {
  constructor(
    /** the carried list, written in place */
    private readonly entries: UsageEntry[],
    private readonly product: string,
    private readonly usageClass: string,
  ) {}

  /** Opens an interval now unless one is open. */
  open(): void {
    if (this.entries.some((e) => e.to === undefined)) return;
    this.entries.push({ product: this.product, usageClass: this.usageClass, from: new Date().toISOString(), seconds: 0 });
  }

  /** Closes the open interval now, if any. */
  close(): void {
    const e = this.entries.find((x) => x.to === undefined);
    if (!e) return;
    e.to = new Date().toISOString();
    e.seconds = secondsBetween(e.from, e.to);
  }

  /** The entries as of now (an open interval counted up to now, still without `to`). */
  report(): UsageEntry[] {
    const now = new Date().toISOString();
    return this.entries.map((e) => (e.to === undefined ? { ...e, seconds: secondsBetween(e.from, now) } : { ...e }));
  }
}

function secondsBetween(from: string, to: string): number {
  return Math.max(0, Math.round((Date.parse(to) - Date.parse(from)) / 1000));
}
