#!/usr/bin/env node
// Part of `npm run build`: makes, once per PGlite version, the initdb template that an empty PGlite
// data folder starts from (src/db/pglite-template.ts). Later builds find it made and return at once.
import { ensurePgliteTemplate } from '../dist/db/pglite-template.js';

await ensurePgliteTemplate();
