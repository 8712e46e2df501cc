// Pure, shared with the web app (the consent form's copies compute a site date in the browser too).

/**
 * The calendar date (YYYY-MM-DD) of an instant in a time zone. A site's "today" is its own: in
 * Asia/Shanghai the date turns at 16:00 UTC, so a date taken from the UTC clock is a day behind for the
 * first eight hours of every local day.
 */
export const dateInZone = (at: Date, timeZone: string): string => dateFormatter(timeZone).format(at);

// Building an Intl.DateTimeFormat costs far more than formatting with one: one per zone, kept.
const dateFormatters = new Map<string, Intl.DateTimeFormat>();

function dateFormatter(timeZone: string): Intl.DateTimeFormat {
  let formatter = dateFormatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
    });
    dateFormatters.set(timeZone, formatter);
  }
  return formatter;
}
