import { loadProtocolFile } from './src/protocol/load.ts';
for (const f of process.argv.slice(2)) {
  const r: any = await loadProtocolFile(f);
  console.log(f, r.ok, r.ok ? '' : JSON.stringify(r.problems).slice(0, 1500));
}
