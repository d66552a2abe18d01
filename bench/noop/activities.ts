/** The no-op activity of the bench's floor workflow (noop/workflows.ts). */
export interface NoopActivities {
  noop(step: number): Promise<number>;
}

export const noopActivities: NoopActivities = {
  async noop(step: number): Promise<number> {
    return step;
  },
};
