/**
 * The reports still to send, the one due first first: the site's 24-hour report to the sponsor comes
 * before the regulator's 7- or 15-day report, whatever order the protocol lists the clocks in.
 */
export function dueFirst<T extends { deadline: string }>(clocks: readonly T[]): T[] {
  return [...clocks].sort((a, b) => Date.parse(a.deadline) - Date.parse(b.deadline));
}
