/**
 * A command's action that loads the module doing the work only when the command runs: defining a
 * command (and listing it in `--help`) loads commander and nothing else, so `exotrial --help` and
 * `exotrial version` start without the database drivers, the server or the report.
 */
export function lazyAction<Args extends unknown[]>(
  load: () => Promise<(...args: Args) => Promise<void> | void>,
): (...args: Args) => Promise<void> {
  return async (...args: Args) => {
    const action = await load();
    await action(...args);
  };
}
