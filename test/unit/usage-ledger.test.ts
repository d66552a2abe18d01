/** The session cost ledger (workflows/lib/usage.ts): intervals opened and closed by billing phases. */
import { UsageLedger, type UsageEntry } from '../../workflows/lib/usage';

describe('UsageLedger', () => {
  beforeEach(() => jest.useFakeTimers({ now: new Date('2026-12-01T10:00:00Z') }));
  afterEach(() => jest.useRealTimers());

  it('bills from open to close, once per interval, and counts an open interval up to now', () => {
    const carried: UsageEntry[] = [];
    const ledger = new UsageLedger(carried, 'cloud-recording', 'durationVideoHd');
    ledger.open();
    jest.advanceTimersByTime(90_000);
    ledger.open(); // already open: no second interval
    expect(ledger.report()).toEqual([{ product: 'cloud-recording', usageClass: 'durationVideoHd', from: '2026-12-01T10:00:00.000Z', seconds: 90 }]);
    ledger.close();
    jest.advanceTimersByTime(60_000);
    ledger.close(); // nothing open: nothing changes
    ledger.open();
    jest.advanceTimersByTime(30_000);
    expect(ledger.report()).toEqual([
      { product: 'cloud-recording', usageClass: 'durationVideoHd', from: '2026-12-01T10:00:00.000Z', to: '2026-12-01T10:01:30.000Z', seconds: 90 },
      { product: 'cloud-recording', usageClass: 'durationVideoHd', from: '2026-12-01T10:02:30.000Z', seconds: 30 },
    ]);
    // the carried list holds the open interval without a running count: a continued run picks it up
    expect(carried[1]).toEqual({ product: 'cloud-recording', usageClass: 'durationVideoHd', from: '2026-12-01T10:02:30.000Z', seconds: 0 });
  });

  it('a continued run keeps adding to the carried ledger', () => {
    const carried: UsageEntry[] = [{ product: 'stt', usageClass: 'agentTime', from: '2026-12-01T09:00:00.000Z', seconds: 0 }];
    const next = new UsageLedger(carried, 'stt', 'agentTime');
    next.open(); // the interval carried open stays the one interval
    next.close();
    expect(carried).toEqual([{ product: 'stt', usageClass: 'agentTime', from: '2026-12-01T09:00:00.000Z', to: '2026-12-01T10:00:00.000Z', seconds: 3600 }]);
  });
});
