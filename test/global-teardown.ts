export default async function globalTeardown(): Promise<void> {
  const stops = ((globalThis as Record<string, unknown>).__rtcflowStops ?? []) as Array<() => Promise<void>>;
  await Promise.all(stops.map((s) => s()));
}
