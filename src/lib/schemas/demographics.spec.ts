import { describe, expect, it } from 'vitest';
import {
	demographicsFieldOf,
	parseDemographics,
	splitBirthMonth,
	type DemographicsInput
} from './demographics';

const TODAY = new Date('2026-12-01T10:00:00.000Z');
const VALID: DemographicsInput = {
	relation: 'child',
	year: '2019',
	month: '03',
	sex: 'female',
	country: 'ES'
};

describe('parseDemographics', () => {
	it('accepts a complete form and joins the birth month', () => {
		expect(parseDemographics(VALID, TODAY)).toEqual({
			success: true,
			data: { relation: 'child', birth: '2019-03', sex: 'female', country: 'ES' }
		});
		expect(
			parseDemographics({ ...VALID, relation: 'self', year: '2026', month: '12' }, TODAY)
		).toMatchObject({ success: true, data: { relation: 'self', birth: '2026-12' } });
	});

	it.each<[string, Partial<DemographicsInput>, Record<string, string>]>([
		[
			'nothing chosen',
			{ relation: '', year: '', month: '', sex: '', country: '' },
			{
				relation: 'errors.relation_invalid',
				birth: 'errors.birth_month_invalid',
				sex: 'errors.sex_invalid',
				country: 'errors.country_invalid'
			}
		],
		['a month without a year', { year: '' }, { birth: 'errors.birth_month_invalid' }],
		['a year without a month', { month: '' }, { birth: 'errors.birth_month_invalid' }],
		[
			'a month in the future',
			{ year: '2027', month: '01' },
			{ birth: 'errors.birth_month_invalid' }
		],
		['before 1900', { year: '1899' }, { birth: 'errors.birth_month_invalid' }],
		['month 13', { month: '13' }, { birth: 'errors.birth_month_invalid' }],
		['an unknown relation', { relation: 'neighbour' }, { relation: 'errors.relation_invalid' }],
		['an unknown sex', { sex: 'F' }, { sex: 'errors.sex_invalid' }],
		['an unknown country', { country: 'XX' }, { country: 'errors.country_invalid' }],
		['a lower-case country', { country: 'es' }, { country: 'errors.country_invalid' }]
	])('refuses %s, beside its field', (_case, change, errors) => {
		expect(parseDemographics({ ...VALID, ...change }, TODAY)).toEqual({ success: false, errors });
	});
});

describe('splitBirthMonth', () => {
	it('splits a stored month for the two lists', () => {
		expect(splitBirthMonth('2019-03')).toEqual({ year: '2019', month: '03' });
		expect(splitBirthMonth('')).toEqual({ year: '', month: '' });
	});
});

describe('demographicsFieldOf', () => {
	it('places the data layer refusals beside their field, and nothing else', () => {
		expect(demographicsFieldOf('errors.birth_month_invalid')).toBe('birth');
		expect(demographicsFieldOf('errors.country_invalid')).toBe('country');
		expect(demographicsFieldOf('errors.storage_full')).toBeUndefined();
		expect(demographicsFieldOf('toString')).toBeUndefined();
	});
});
