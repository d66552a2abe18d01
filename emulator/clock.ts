/**
 * The emulator's one clock. Every expiry window and timeout of every emulated product reads it, so a
 * time scale of 60 crosses a 5-minute window in 5 real seconds, and tests can jump it forward.
 */
export class EmulatorClock {
  private anchorReal = Date.now();
  private anchorVirtual = Date.now();

  constructor(private scale = 1) {
    if (!(scale > 0)) throw new RangeError('time scale must be > 0');
  }

  now(): number {
    return this.anchorVirtual + (Date.now() - this.anchorReal) * this.scale;
  }

  get timeScale(): number {
    return this.scale;
  }

  setTimeScale(scale: number): void {
    if (!(scale > 0)) throw new RangeError('time scale must be > 0');
    this.rebase();
    this.scale = scale;
  }

  /** Jumps emulated time forward. */
  advance(ms: number): void {
    if (!(ms >= 0)) throw new RangeError('can only advance by a non-negative duration');
    this.rebase();
    this.anchorVirtual += ms;
  }

  /** Real milliseconds until `emulatedMs` of emulated time have passed. */
  realDelay(emulatedMs: number): number {
    return Math.max(0, emulatedMs / this.scale);
  }

  private rebase(): void {
    const v = this.now();
    this.anchorReal = Date.now();
    this.anchorVirtual = v;
  }
}
