import { describe, expect, it } from 'vitest';
import {
	ageInYears,
	checkResponse,
	decide,
	definitionOf,
	flattenAnswers,
	yearMonth
} from './extract';
import { researchRecordId, subjectOf } from './secret';
import phenotype from '../../../couch-setup/forms/phenotype.v1.json';
import type { ConsentDoc } from '../../../src/lib/schemas/consent';

const definition = definitionOf({ resource: phenotype });
const consent = {
	_id: 'consent-20261207T041131123Z-abcdefgh12',
	type: 'consent',
	schema_version: 1,
	text_version: '1',
	language: 'en',
	signer: { user: 'a', name: 'A', relation: 'self' },
	scopes: {
		'about-me': false,
		'natural-history': false,
		genetics: false,
		symptoms: true,
		'quality-of-life': false,
		medication: false,
		'contact-for-studies': false
	},
	signed_at: '2026-12-07T04:11:31.123Z',
	updated_at: '2026-12-07T04:11:31.123Z'
} as ConsentDoc;

describe('research extraction (pure)', () => {
	it('generalises dates and ages', () => {
		expect(yearMonth('2015-04-17')).toBe('2015-04');
		expect(yearMonth('2015-04-17T10:00:00Z')).toBe('2015-04');
		expect(yearMonth(undefined)).toBeUndefined();
		expect(ageInYears('2015-04', '2026-12-07T00:00:00Z')).toBe(11);
		expect(ageInYears('2015-12', '2026-11-30T00:00:00Z')).toBe(10);
		expect(ageInYears('2030-01', '2026-11-30T00:00:00Z')).toBeUndefined();
	});

	it('keeps research-safe items only, with codes; ORPHA and HGVS recognised', () => {
		if (!definition) throw new Error('phenotype did not compile');
		const answers = flattenAnswers(definition, [
			{
				linkId: 'feature',
				item: [
					{
						linkId: 'feature.term',
						answer: [
							{
								valueCoding: {
									system: 'http://purl.obolibrary.org/obo/hp.owl',
									code: 'HP:0001250',
									display: 'Seizures'
								}
							}
						]
					},
					{ linkId: 'feature.onset', answer: [{ valueDate: '2019-05-14' }] },
					{ linkId: 'feature.resolved', answer: [{ valueDate: '2020-01-02' }] }
				]
			},
			{
				linkId: 'feature',
				item: [{ linkId: 'feature.term', answer: [{ valueString: 'ORPHA:166' }] }]
			},
			{
				linkId: 'feature',
				item: [
					{ linkId: 'feature.term', answer: [{ valueString: 'NM_001165963.4:c.1521_1523del' }] }
				]
			},
			{ linkId: 'notes', answer: [{ valueString: 'Ana, ana@example.org' }] },
			{ linkId: 'unknown', answer: [{ valueString: 'x' }] }
		]);
		expect(answers).toEqual([
			{
				item: 'feature.term',
				at: '0.0.0',
				type: 'open-choice',
				system: 'http://purl.obolibrary.org/obo/hp.owl',
				code: 'HP:0001250',
				display: 'Seizures'
			},
			{ item: 'feature.onset', at: '0.0.0', type: 'date', value: '2019-05' },
			{
				item: 'feature.term',
				at: '1.0.0',
				type: 'open-choice',
				value: 'ORPHA:166',
				system: 'http://www.orpha.net',
				code: 'ORPHA:166'
			},
			{
				item: 'feature.term',
				at: '2.0.0',
				type: 'open-choice',
				value: 'NM_001165963.4:c.1521_1523del',
				system: 'http://varnomen.hgvs.org',
				code: 'NM_001165963.4:c.1521_1523del'
			}
		]);
	});

	it('decides by consent, scope and text version', () => {
		expect(decide(undefined, definition)).toEqual({ share: false, reason: 'no-consent' });
		expect(decide(consent, definition)).toEqual({ share: true, scope: 'symptoms' });
		expect(decide(consent, undefined)).toEqual({ share: false, reason: 'unknown-questionnaire' });
		expect(
			decide({ ...consent, scopes: { ...consent.scopes, symptoms: false } }, definition)
		).toEqual({ share: false, reason: 'not-covered' });
		expect(decide({ ...consent, text_version: '0' }, definition)).toEqual({
			share: false,
			reason: 'old-text'
		});
		expect(decide({ ...consent, withdrawal: 'stop' }, definition)).toEqual({
			share: false,
			reason: 'withdrawn'
		});
	});

	it('refuses malformed, oversized and draft responses', () => {
		expect(checkResponse(null)).toEqual({ ok: false, reason: 'malformed' });
		expect(checkResponse({ _id: 'response-x', type: 'response' })).toEqual({
			ok: false,
			reason: 'malformed'
		});
		expect(checkResponse({ _id: 'a', big: 'x'.repeat(600_000) })).toEqual({
			ok: false,
			reason: 'too-large'
		});
		const cyclic: Record<string, unknown> = {};
		cyclic.self = cyclic;
		expect(checkResponse(cyclic)).toEqual({ ok: false, reason: 'malformed' });
	});

	it('derives stable pseudonyms and record ids that reveal neither id', () => {
		const key = new Uint8Array(32).fill(7);
		const subject = subjectOf(key, '0b5f1e8a-3c2d-4e6f-9a1b-2c3d4e5f6a7b');
		expect(subject).toMatch(/^[0-9a-f]{64}$/);
		expect(subjectOf(key, '0b5f1e8a-3c2d-4e6f-9a1b-2c3d4e5f6a7b')).toBe(subject);
		expect(subjectOf(new Uint8Array(32).fill(8), '0b5f1e8a-3c2d-4e6f-9a1b-2c3d4e5f6a7b')).not.toBe(
			subject
		);
		const id = researchRecordId(key, subject, 'response-1');
		expect(id).toMatch(new RegExp(`^${subject}:[0-9a-f]{32}$`));
		expect(id).not.toContain('response');
	});
});
