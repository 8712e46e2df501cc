// `node --import ./test/support/module-log.js …`: every module the process then loads through
// `import` is appended, as a URL a line, to the file named by EXOTRIAL_MODULE_LOG (see the hooks).
import { register } from 'node:module';

register('./module-log-hooks.js', import.meta.url, { data: { file: process.env.EXOTRIAL_MODULE_LOG } });
