import { describe, expect, it } from 'vitest';
import { checkR4Response } from '../../../tests/support/fhir-r4-response';
import { containerOf, formatPath, joinPath, parsePath, splitPath, stripKey } from './paths';

describe('paths with opaque linkIds', () => {
	it.each(['/44250-9', 'a/b/c', 'visit [1]', '50%', '%2F', 'douleur é 痛', 'a.b c', ']['])(
		'round-trips %j through join, parse, split and format',
		(linkId) => {
			const path = joinPath(`${joinPath('', 'g')}[3]`, linkId);
			expect(parsePath(path)).toEqual([
				{ linkId: 'g', key: 3 },
				{ linkId, key: undefined }
			]);
			expect(splitPath(path).map((segment) => segment.linkId)).toEqual(['g', linkId]);
			expect(formatPath(parsePath(path))).toBe(path);
			expect(containerOf(path)).toBe('g[3]');
			expect(stripKey(`${joinPath('', linkId)}[7]`)).toBe(joinPath('', linkId));
		}
	);

	it('leaves ordinary linkIds as they were', () => {
		expect(joinPath('stay[3]', 'stay.icu')).toBe('stay[3]/stay.icu');
	});
});

describe('the R4 response checker used by the corpus', () => {
	const questionnaire = {
		item: [
			{ linkId: 'q', type: 'boolean', item: [{ linkId: 'c', type: 'integer' }] },
			{ linkId: 'g', type: 'group', item: [{ linkId: 'n', type: 'integer' }] }
		]
	};
	it('finds children beside an answer, wrong value types, group answers and unknown items', () => {
		expect(
			checkR4Response(questionnaire, {
				resourceType: 'QuestionnaireResponse',
				status: 'completed',
				item: [
					{ linkId: 'q', answer: [{ valueBoolean: true }], item: [{ linkId: 'c' }] },
					{
						linkId: 'g',
						answer: [{ valueInteger: 1 }],
						item: [{ linkId: 'n', answer: [{ valueString: '1' }] }]
					},
					{ linkId: 'ghost', answer: [{ valueString: 'x' }] }
				]
			})
		).toEqual([
			'/q: a question has item.item (qrs-1: use answer.item)',
			'/g: a group has answers',
			'/g/n: valueString is not an answer for type integer',
			'/ghost: no such item here in the questionnaire'
		]);
	});
});
