import { describe, expect, it } from 'vitest';
import { compileQuestionnaire, createDraft, type Questionnaire } from '$lib/forms';
import { HPO_SYSTEM } from '$lib/hpo/coding';
import { summaryRows } from './response-summary';

const es = (text: string) => ({
	extension: [
		{
			url: 'http://hl7.org/fhir/StructureDefinition/translation',
			extension: [
				{ url: 'lang', valueCode: 'es' },
				{ url: 'content', valueString: text }
			]
		}
	]
});

const questionnaire: Questionnaire = {
	resourceType: 'Questionnaire',
	url: 'https://dazzle.health/fhir/Questionnaire/summary-test',
	version: '1',
	status: 'active',
	item: [
		{ linkId: 'intro', type: 'display', text: 'Hello' },
		{ linkId: 'tested', type: 'boolean', text: 'Tested?', _text: es('¿Estudio genético?') },
		{ linkId: 'skipped', type: 'string', text: 'Never answered' },
		{
			linkId: 'variant',
			type: 'group',
			repeats: true,
			text: 'Variant',
			_text: es('Variante'),
			item: [{ linkId: 'variant.gene', type: 'string', text: 'Gene', _text: es('Gen') }]
		},
		{
			linkId: 'symptoms',
			type: 'open-choice',
			repeats: true,
			text: 'Symptoms',
			answerValueSet: 'http://purl.obolibrary.org/obo/hp.owl'
		}
	]
};

describe('the summary of a response', () => {
	it('lists answered questions in the reader’s language, numbered entries and HPO ids', async () => {
		const engine = await createDraft(compileQuestionnaire(questionnaire));
		engine.setAnswer('tested', { valueBoolean: true });
		const first = engine.containersOf('variant')[0]!;
		engine.setAnswer(`${first}/variant.gene`, { valueString: 'SCN1A' });
		const { key } = engine.addInstance('variant');
		engine.setAnswer(`variant[${key}]/variant.gene`, { valueString: 'PCDH19' });
		engine.setAnswers('symptoms', [
			{ valueCoding: { system: HPO_SYSTEM, code: 'HP:0001250', display: 'Seizure' } },
			{ valueString: 'se cansa' }
		]);
		const rows = summaryRows(engine, { lang: 'es' }, (yes) => (yes ? 'Sí' : 'No'));
		expect(rows.map((row) => [row.kind, row.depth, row.text])).toEqual([
			['answer', 0, '¿Estudio genético?'],
			['heading', 0, 'Variante'],
			['answer', 1, 'Gen'],
			['heading', 0, 'Variante'],
			['answer', 1, 'Gen'],
			['answer', 0, 'Symptoms']
		]);
		expect(rows[0]).toMatchObject({ answers: [{ text: 'Sí' }] });
		expect(rows[1]).toMatchObject({ entry: 1 });
		expect(rows[3]).toMatchObject({ entry: 2 });
		expect(rows[4]).toMatchObject({ answers: [{ text: 'PCDH19' }] });
		expect(rows[5]).toMatchObject({
			answers: [{ text: 'Seizure', code: 'HP:0001250' }, { text: 'se cansa' }]
		});
	});
});
