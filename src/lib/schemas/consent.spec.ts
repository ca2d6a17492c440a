import { describe, expect, it } from 'vitest';
import {
	CONSENT_SCOPES,
	consentDocSchema,
	consentId,
	consentIdSchema,
	consentInForce,
	covers,
	currentConsentVersion,
	isSafeSignatureSvg,
	needsRenewal,
	researchReceiptSchema,
	signatureSvg,
	versionStillHolds,
	type ConsentDoc,
	type ConsentVersion
} from './consent';

const allScopes = (value: boolean) =>
	Object.fromEntries(CONSENT_SCOPES.map((scope) => [scope, value])) as ConsentDoc['scopes'];

function consent(overrides: Partial<ConsentDoc> = {}): ConsentDoc {
	return {
		_id: 'consent-20261207T041131123Z-abcdefgh12',
		type: 'consent',
		schema_version: 1,
		text_version: '1',
		language: 'en',
		signer: { user: 'alice', name: 'Alice Example', relation: 'self' },
		scopes: { ...allScopes(false), symptoms: true },
		signed_at: '2026-12-07T04:11:31.123Z',
		updated_at: '2026-12-07T04:11:31.123Z',
		...overrides
	};
}

describe('consent ids', () => {
	it('makes ids the schema accepts, ordered by time', () => {
		const first = consentId(new Date('2026-12-07T04:11:31.123Z'));
		const second = consentId(new Date('2026-12-07T04:11:32.000Z'));
		expect(first).toMatch(/^consent-20261207T041131123Z-[0-9a-z]{10}$/);
		expect(consentIdSchema.safeParse(first).success).toBe(true);
		expect(first < second).toBe(true);
		expect(consentId(new Date(0), 'fixedtail1')).toBe('consent-19700101T000000000Z-fixedtail1');
	});

	it.each(['consent-x', 'consent-20261207T041131Z-ABC', 'response-20261207T041131Z-abcdefgh'])(
		'refuses %s',
		(id) => expect(consentIdSchema.safeParse(id).success).toBe(false)
	);
});

describe('consentDocSchema', () => {
	it('accepts a consent and a withdrawal', () => {
		expect(consentDocSchema.safeParse(consent()).success).toBe(true);
		expect(
			consentDocSchema.safeParse(consent({ scopes: allScopes(false), withdrawal: 'erase' })).success
		).toBe(true);
	});

	it('refuses a withdrawal that keeps a scope, missing or unknown scopes, unknown fields', () => {
		expect(consentDocSchema.safeParse(consent({ withdrawal: 'stop' })).success).toBe(false);
		const { symptoms: _dropped, ...missing } = allScopes(true);
		expect(
			consentDocSchema.safeParse(consent({ scopes: missing as ConsentDoc['scopes'] })).success
		).toBe(false);
		expect(
			consentDocSchema.safeParse({ ...consent(), scopes: { ...allScopes(true), extra: true } })
				.success
		).toBe(false);
		expect(consentDocSchema.safeParse({ ...consent(), email: 'a@b.c' }).success).toBe(false);
		expect(
			consentDocSchema.safeParse(
				consent({ signer: { user: 'a', name: ' ', relation: 'self' } as ConsentDoc['signer'] })
			).success
		).toBe(false);
	});
});

describe('signature SVG', () => {
	it('accepts what signatureSvg writes', () => {
		const svg = signatureSvg(320.4, 120, [
			[
				[1, 2],
				[3.456, -4.1]
			],
			[[5, 5]],
			[
				[10, 10],
				[20, 20],
				[30, 10]
			]
		]);
		expect(svg).toContain('viewBox="0 0 320 120"');
		expect(svg).toContain('<polyline points="1,2 3.46,-4.1"/>');
		expect(svg.match(/<polyline/g)).toHaveLength(2);
		expect(isSafeSignatureSvg(svg)).toBe(true);
		expect(consentDocSchema.safeParse(consent({ signature_svg: svg })).success).toBe(true);
	});

	it.each([
		['a script', '<script>alert(1)</script>'],
		['an event handler', '<polyline points="1,2 3,4" onload="alert(1)"/>'],
		['an image', '<image href="https://evil.example/x.png"/>'],
		['a foreign object', '<foreignObject><div>hi</div></foreignObject>'],
		['an entity', '<polyline points="1,2 3,4&#10;"/>'],
		['a style', '<path d="M1 2" style="fill:url(#a)"/>']
	])('refuses %s inside', (_name, inner) => {
		const svg = signatureSvg(10, 10, []).replace('</svg>', `${inner}</svg>`);
		expect(isSafeSignatureSvg(svg)).toBe(false);
	});

	it('refuses another opening tag and an oversized drawing', () => {
		expect(isSafeSignatureSvg('<svg onload="alert(1)"></svg>')).toBe(false);
		const huge = signatureSvg(10, 10, [
			Array.from({ length: 5000 }, (_, index) => [index, index] as const)
		]);
		expect(isSafeSignatureSvg(huge)).toBe(false);
		expect(
			isSafeSignatureSvg(
				signatureSvg(10, 10, []).replace('</svg>', '<path d="M1 2 L3 4 Z"/></svg>')
			)
		).toBe(true);
	});
});

describe('consentInForce', () => {
	it('is the newest by signed_at, ties by id, ignoring invalid documents', () => {
		const old = consent({
			_id: 'consent-20261201T000000Z-aaaaaaaa',
			signed_at: '2026-12-01T00:00:00Z'
		});
		const newer = consent({
			_id: 'consent-20261202T000000Z-aaaaaaaa',
			signed_at: '2026-12-02T00:00:00Z'
		});
		const tie = consent({
			_id: 'consent-20261202T000000Z-bbbbbbbb',
			signed_at: '2026-12-02T00:00:00Z'
		});
		const forged = { ...consent(), _id: 'consent-29991231T000000Z-zzzzzzzz', signed_at: 'soon' };
		expect(consentInForce([])).toBeUndefined();
		expect(consentInForce([newer, old])?._id).toBe(newer._id);
		expect(consentInForce([tie, old, newer, forged])?._id).toBe(tie._id);
	});
});

describe('covers', () => {
	const versions: ConsentVersion[] = [
		{ version: '1', date: '2026-01-01', material: true },
		{ version: '1.1', date: '2026-02-01', material: false },
		{ version: '2', date: '2026-03-01', material: true },
		{ version: '2.1', date: '2026-04-01', material: false }
	];

	it('covers agreed scopes under the current text only', () => {
		expect(currentConsentVersion()).toBe('1');
		expect(covers(consent(), 'symptoms')).toBe(true);
		expect(covers(consent(), 'genetics')).toBe(false);
		expect(covers(consent(), 'not-a-scope')).toBe(false);
		expect(covers(consent(), undefined)).toBe(false);
		expect(covers(undefined, 'symptoms')).toBe(false);
		expect(covers(consent({ text_version: '9' }), 'symptoms')).toBe(false);
	});

	it('a withdrawal covers nothing', () => {
		expect(covers(consent({ scopes: allScopes(false), withdrawal: 'stop' }), 'symptoms')).toBe(
			false
		);
	});

	it('an older text holds until a newer material version', () => {
		expect(versionStillHolds('1', '1.1', versions)).toBe(true);
		expect(versionStillHolds('1', '2', versions)).toBe(false);
		expect(versionStillHolds('2', '2.1', versions)).toBe(true);
		expect(versionStillHolds('2.1', '2', versions)).toBe(false);
		expect(covers(consent({ text_version: '1.1' }), 'symptoms', '2.1', versions)).toBe(false);
		expect(covers(consent({ text_version: '2' }), 'symptoms', '2.1', versions)).toBe(true);
		expect(needsRenewal(consent({ text_version: '1' }), '2', versions)).toBe(true);
		expect(needsRenewal(consent({ text_version: '2' }), '2.1', versions)).toBe(false);
	});
});

describe('researchReceiptSchema', () => {
	it('accepts a receipt and refuses unknown states', () => {
		const receipt = {
			_id: 'research-receipt-response-0b6f3c3e-1d2a-4f5b-8c9d-0e1f2a3b4c5d',
			type: 'research-receipt',
			schema_version: 1,
			response_id: 'response-0b6f3c3e-1d2a-4f5b-8c9d-0e1f2a3b4c5d',
			questionnaire_url: 'https://dazzle.health/fhir/Questionnaire/phenotype',
			questionnaire_version: '1',
			consent_id: consent()._id,
			state: 'shared',
			at: '2026-12-07T04:11:31.123Z',
			updated_at: '2026-12-07T04:11:31.123Z'
		};
		expect(researchReceiptSchema.safeParse(receipt).success).toBe(true);
		expect(researchReceiptSchema.safeParse({ ...receipt, state: 'sold' }).success).toBe(false);
	});
});
