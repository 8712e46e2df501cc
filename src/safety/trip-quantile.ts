// Pure (loaded by the web app too): reading the distribution a stopping-rule simulation returns.

/**
 * The number enrolled by which a share q of the trips had happened, from the count of trips at each
 * number enrolled (index 0: one participant); null when the rule never tripped.
 */
export function tripQuantile(enrolledAtTrip: readonly number[], q: number): number | null {
  const total = enrolledAtTrip.reduce((sum, count) => sum + count, 0);
  if (total === 0) return null;
  let seen = 0;
  for (let k = 0; k < enrolledAtTrip.length; k++) {
    seen += enrolledAtTrip[k] as number;
    if (seen >= q * total) return k + 1;
  }
  return enrolledAtTrip.length;
}
