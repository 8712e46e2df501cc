import { fileURLToPath } from 'node:url';

/**
 * Absolute path of the default protocol shipped with exotrial (protocols/mexcovid.yaml), wherever
 * the command runs from. Two folders below the repository, as every bundled output file is too.
 */
export function defaultProtocolPath(): string {
  return fileURLToPath(new URL('../../protocols/mexcovid.yaml', import.meta.url));
}
