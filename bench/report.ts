// Re-renders summary.md, summary.json and the charts from a raw results file:
//   node --import tsx bench/report.ts bench/results/raw-<stamp>.json [out dir]
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { type RawResults, writeReport } from './lib/report.ts';

const [file, out] = process.argv.slice(2);
if (!file) {
  console.error('usage: node --import tsx bench/report.ts RAW.json [OUT_DIR]');
  process.exit(2);
}
const raw = JSON.parse(readFileSync(file, 'utf8')) as RawResults;
for (const path of writeReport(raw, out ?? dirname(file))) console.log(`wrote ${path}`);
