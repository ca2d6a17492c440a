import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { MODEL_PREFIXES } from './fhirpath-model';

const MODEL_FILE = new URL('./fhirpath-r4-questionnaire.json', import.meta.url);

/** The slice of fhirpath's R4 model that questionnaire expressions can reach. */
function subsetOfFullModel() {
	const full = createRequire(import.meta.url)('fhirpath/fhir-context/r4') as Record<
		string,
		unknown
	>;
	const keep = (key: string) =>
		MODEL_PREFIXES.some((prefix) => key === prefix || key.startsWith(`${prefix}.`));
	const filtered = (name: string) =>
		Object.fromEntries(
			Object.entries(full[name] as Record<string, unknown>).filter(([key]) => keep(key))
		);
	return {
		version: full.version,
		score: full.score,
		type2Parent: full.type2Parent,
		resourcesWithUrlParam: full.resourcesWithUrlParam,
		choiceTypePaths: filtered('choiceTypePaths'),
		pathsDefinedElsewhere: filtered('pathsDefinedElsewhere'),
		path2Type: filtered('path2Type'),
		path2Repeating: filtered('path2Repeating'),
		path2TypeWithoutElements: filtered('path2TypeWithoutElements'),
		path2RefType: filtered('path2RefType')
	};
}

describe('the bundled FHIRPath model subset', () => {
	it('matches the installed fhirpath R4 model (UPDATE_FHIRPATH_MODEL=1 rewrites it)', () => {
		const expected = subsetOfFullModel();
		if (process.env.UPDATE_FHIRPATH_MODEL === '1') {
			writeFileSync(MODEL_FILE, `${JSON.stringify(expected)}\n`);
		}
		expect(JSON.parse(readFileSync(MODEL_FILE, 'utf8'))).toEqual(expected);
		expect(Object.keys(expected.choiceTypePaths)).toContain(
			'QuestionnaireResponse.item.answer.value'
		);
	});
});
