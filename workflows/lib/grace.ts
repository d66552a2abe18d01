/**
 * The gone-grace window: a vendor "not found" on a resource we hold is not proof it is gone (an HA
 * failover answers 404 for up to ~90 s, agora.md §2.9). The first 404 opens a window; an answer closes
 * it (recovered); only a window older than `graceMs` means gone. The window's start lives in the
 * session's carried state, so it survives continue-as-new.
 */
import { Alarm } from './loop';

export interface GraceHolder {
  /** epoch ms of the first "not found" of the current window */
  suspectSince?: number;
}

export class GoneGrace {
  /** the window's end, decided by a timer (./loop.ts Alarm) */
  private readonly end = new Alarm();

  constructor(
    private readonly holder: GraceHolder,
    readonly graceMs: number,
  ) {}

  get suspect(): boolean {
    return this.holder.suspectSince !== undefined;
  }

  /** A "not found": opens the window if it is not open yet. */
  notFound(): void {
    this.holder.suspectSince ??= Date.now();
  }

  /** Milliseconds left in an open window, by the clock: for sizing a wait, never for deciding (`over`). */
  remainingMs(): number {
    return (this.holder.suspectSince ?? Date.now()) + this.graceMs - Date.now();
  }

  /** The open window has run out. */
  get over(): boolean {
    return this.holder.suspectSince !== undefined && this.end.due(this.holder.suspectSince + this.graceMs);
  }

  /** A "not found" now: true when the window (opened now or earlier) has run out. */
  notFoundAndGone(): boolean {
    this.notFound();
    return this.over;
  }

  /** The resource answered: closes the window; true if one was open (the resource may have moved). */
  recovered(): boolean {
    const was = this.suspect;
    this.holder.suspectSince = undefined;
    this.end.clear();
    return was;
  }
}
