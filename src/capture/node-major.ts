/** `v20.11.1` (or `20.11.1`) → 20; null when not known. */
export function nodeMajorOf(version: string | null | undefined): number | null {
  return Number(/^v?(\d+)\./.exec(version ?? '')?.[1]) || null;
}
