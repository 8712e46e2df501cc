import { defaultProtocolPath, loadProtocolFile } from '../protocol/load.ts';
import type { Protocol } from '../protocol/schema.ts';

/** The MEXCOVID product section, for the pure tests of this folder. */
export async function mexcovidProduct(): Promise<Protocol['product']> {
  const result = await loadProtocolFile(defaultProtocolPath());
  if (!result.ok) throw new Error('the default protocol does not load');
  return result.protocol.product;
}
