import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compileQuestionnaire, requirement } from './definition';
import { createDraft } from './engine';
import { parseQuestionnaire, type Questionnaire } from './fhir';

function bundled(file: string): Questionnaire {
	const parsed = parseQuestionnaire(
		JSON.parse(readFileSync(new URL(`../../../couch-setup/forms/${file}`, import.meta.url), 'utf8'))
	);
	if (!parsed.success) throw new Error(`${file} does not parse`);
	return parsed.data;
}

describe('requirement', () => {
	it('says "always" only where an empty response is refused, "with-section" inside optional groups', async () => {
		// Natural history v2: diagnosis.name is required inside the optional Diagnosis group,
		// so completing does not ask for it while the group is empty (FHIR); hospitalised is.
		const questionnaire = bundled('natural-history.v2.json');
		const definition = compileQuestionnaire(questionnaire);
		const byLinkId = (linkId: string) => definition.byLinkId.get(linkId)!;
		expect(requirement(byLinkId('hospitalised'))).toBe('always');
		expect(requirement(byLinkId('diagnosis.name'))).toBe('with-section');
		expect(requirement(byLinkId('stay.admitted'))).toBe('with-section');
		expect(requirement(byLinkId('diagnosis.orpha'))).toBeUndefined();

		const engine = await createDraft(definition);
		const refused = engine
			.allErrors({ complete: true })
			.filter((entry) => entry.errors.some((error) => error.key === 'forms.errors.required'))
			.map((entry) => engine.itemAt(entry.path).linkId);
		const badgedAlways = engine
			.allPaths()
			.filter((path) => engine.isEnabled(path))
			.map((path) => engine.itemAt(path))
			.filter((item) => requirement(item) === 'always')
			.map((item) => item.linkId);
		expect(refused).toEqual(badgedAlways);

		// Once the section has an answer, its required question is asked too.
		engine.setAnswer('diagnosis/diagnosis.orpha', { valueString: '558' });
		expect(engine.errorsAt('diagnosis/diagnosis.name', { complete: true })).toEqual([
			{ key: 'forms.errors.required' }
		]);
	});
});
