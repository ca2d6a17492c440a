import { describe, expect, it } from 'vitest';
import { filterChoices, jaccard, peopleLikeMe } from './similarity';
import { member, symptoms } from './fixtures';

const SEIZURE = 'HP:0001250';
const ATAXIA = 'HP:0001251';
const DELAY = 'HP:0001263';
const FEVER = 'HP:0001945';

describe('jaccard', () => {
	it.each([
		[[], [], 0],
		[[SEIZURE], [SEIZURE], 1],
		[[SEIZURE, ATAXIA], [SEIZURE], 0.5],
		[[SEIZURE, ATAXIA], [DELAY, FEVER], 0],
		[[SEIZURE, ATAXIA, DELAY], [ATAXIA, DELAY, FEVER], 0.5]
	])('%j and %j → %d', (a, b, expected) => {
		expect(jaccard(new Set(a), new Set(b))).toBe(expected);
	});
});

describe('peopleLikeMe', () => {
	const me = {
		publicId: 'm'.repeat(22),
		diseases: [{ name: 'Síndrome de Dravet', orpha: 'ORPHA:33069' }],
		symptoms: [SEIZURE, ATAXIA, DELAY]
	};

	it('ranks the same diagnosis above any number of shared symptoms', () => {
		const manySymptoms = member('a', { symptoms: symptoms(SEIZURE, ATAXIA, DELAY) });
		const sameOrpha = member('b', { diseases: [{ orpha: 'ORPHA:33069' }] });
		const result = peopleLikeMe(me, [manySymptoms, sameOrpha]);
		expect(result.map((person) => person.member.nickname)).toEqual(['nick-b', 'nick-a']);
		expect(result[0]).toMatchObject({ sameDiagnosis: true, sharedSymptoms: [] });
		expect(result[1]).toMatchObject({ sameDiagnosis: false, symptomSimilarity: 1 });
	});

	it('matches the disease name written differently (accents, case, punctuation)', () => {
		const byKey = member('c', { diseases: [{ key: 'sindrome de dravet' }] });
		const byName = member('d', { diseases: [{ name: 'SINDROME  de DRAVET!' }] });
		const other = member('e', { diseases: [{ name: 'Rett syndrome', orpha: 'ORPHA:778' }] });
		const result = peopleLikeMe(me, [byKey, byName, other]);
		expect(result.map((person) => person.member.public_id[0])).toEqual(['c', 'd']);
	});

	it('orders by shared symptoms when nobody shares the diagnosis', () => {
		const two = member('f', { symptoms: symptoms(SEIZURE, ATAXIA, FEVER) });
		const one = member('g', { symptoms: symptoms(SEIZURE) });
		const none = member('h', { symptoms: symptoms(FEVER) });
		const result = peopleLikeMe({ ...me, diseases: [] }, [one, none, two]);
		expect(result.map((person) => person.member.public_id[0])).toEqual(['f', 'g']);
		expect(result[0]!.sharedSymptoms).toEqual([SEIZURE, ATAXIA]);
		expect(result[0]!.symptomSimilarity).toBe(0.5);
	});

	it('leaves out the user, blocked members and what the filters exclude', () => {
		const same = { diseases: [{ orpha: 'ORPHA:33069' }] };
		const self = member('m', same);
		const blocked = member('i', same);
		const spain = member('j', { ...same, country: 'ES', languages: ['es', 'ca'] });
		const france = member('k', { ...same, country: 'FR', languages: ['fr'] });
		const all = [self, blocked, spain, france];
		const blockedIds = new Set([blocked.public_id]);
		expect(peopleLikeMe(me, all, { blocked: blockedIds }).map((p) => p.member)).toEqual([
			spain,
			france
		]);
		expect(peopleLikeMe(me, all, { country: 'FR' }).map((p) => p.member)).toEqual([france]);
		expect(peopleLikeMe(me, all, { language: 'ca' }).map((p) => p.member)).toEqual([spain]);
		expect(peopleLikeMe(me, all, { country: 'FR', language: 'ca' })).toEqual([]);
	});

	it('ignores symptoms that are not HPO ids and a user with nothing to compare', () => {
		const free = member('l', { symptoms: symptoms('headache') });
		expect(peopleLikeMe({ diseases: [], symptoms: ['headache'] }, [free])).toEqual([]);
	});
});

describe('filterChoices', () => {
	it('lists each country and language once, sorted', () => {
		const members = [
			member('a', { country: 'FR', languages: ['fr', 'en'] }),
			member('b', { languages: ['en', 'ar'] }),
			member('c', { country: 'AR', languages: [] })
		];
		expect(filterChoices(members)).toEqual({
			countries: ['AR', 'FR'],
			languages: ['ar', 'en', 'fr']
		});
	});
});
