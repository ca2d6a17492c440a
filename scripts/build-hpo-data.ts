// `npm run hpo:build`: src/lib/hpo/data/hpo-labels.tsv (the HPO's labels, copied unedited) →
// src/lib/hpo/data/hpo-terms.txt, the compact list the symptom picker downloads on first use.
// Non-phenotype terms (src/lib/hpo/exclusions.ts) are left out here, so they never reach a
// phone. hpo-data.spec.ts fails when the shipped file is not what this script makes.
import { readFileSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { buildShippedTerms, HPO_SOURCE_VERSION } from '../src/lib/hpo/build';

const SOURCE = 'src/lib/hpo/data/hpo-labels.tsv';
const TARGET = 'src/lib/hpo/data/hpo-terms.txt';

const source = readFileSync(SOURCE, 'utf8');
const { text, kept, excluded } = buildShippedTerms(source, HPO_SOURCE_VERSION);
writeFileSync(TARGET, text);
const gzipped = gzipSync(text, { level: 6 }).length;
console.log(
	`${TARGET}: ${kept} terms (${excluded} non-phenotype terms left out), ` +
		`${Buffer.byteLength(text).toLocaleString('en')} bytes, ${gzipped.toLocaleString('en')} gzipped ` +
		`(source ${gzipSync(source, { level: 6 }).length.toLocaleString('en')} gzipped)`
);
