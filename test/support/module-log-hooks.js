// Module hooks for module-log.js. Each URL is written synchronously, so none is lost at exit.
import { appendFileSync } from 'node:fs';

let logFile;

export function initialize(data) {
  logFile = data.file;
}

export async function load(url, context, nextLoad) {
  appendFileSync(logFile, `${url}\n`);
  return nextLoad(url, context);
}
