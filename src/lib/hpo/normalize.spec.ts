import { describe, expect, it } from 'vitest';
import { foldText, withinOneEdit, words } from './normalize';

describe('foldText', () => {
	it.each([
		['Convulsiones', 'convulsiones'],
		['CONVULSIÓNES', 'convulsiones'],
		['Hipotonía muscular', 'hipotonia muscular'],
		['Café-au-lait spot', 'cafe au lait spot'],
		['Fieberkrämpfe (im Alter von 3 Monaten)', 'fieberkrampfe im alter von 3 monaten'],
		['Fußdeformität', 'fussdeformitat'],
		['Œdème', 'oedeme'],
		['  X-linked   ', 'x linked'],
		['Çà et là', 'ca et la'],
		['ŞI ţară', 'si tara']
	])('%s → %s', (text, folded) => {
		expect(foldText(text)).toBe(folded);
	});

	it('gives Arabic one letter form: alef with hamza or madda, ya and alef maqsura, ta marbuta', () => {
		expect(foldText('أنيميا')).toBe(foldText('انيميا'));
		expect(foldText('إسهال')).toBe(foldText('اسهال'));
		expect(foldText('آلام')).toBe(foldText('الام'));
		expect(foldText('حمى')).toBe(foldText('حمي'));
		expect(foldText('نوبة')).toBe(foldText('نوبه'));
	});

	it('drops Arabic harakat, shadda and tatweel', () => {
		expect(foldText('صُدَاع')).toBe('صداع');
		expect(foldText('تشنّجات')).toBe('تشنجات');
		expect(foldText('صـــداع')).toBe('صداع');
	});
});

describe('words', () => {
	it('splits folded words and drops the joined Arabic article', () => {
		expect(words('Muscular  hypotonia')).toEqual(['muscular', 'hypotonia']);
		expect(words('الصداع')).toEqual(['صداع']);
		expect(words('والصداع')).toEqual(['صداع']);
		expect(words('ألم البطن')).toEqual(['الم', 'بطن']);
		expect(words('   ')).toEqual([]);
	});

	it('keeps a word that only looks like it starts with the article', () => {
		// «الم» (pain, alef folded) is three letters: the article needs two letters after it.
		expect(words('الم')).toEqual(['الم']);
	});
});

describe('withinOneEdit', () => {
	it.each([
		['seizure', 'seizure', true],
		['seizrue', 'seizure', true], // swapped neighbours
		['seizre', 'seizure', true], // a letter missing
		['seizuure', 'seizure', true], // a letter too many
		['seuzure', 'seizure', true], // substituted
		['sezuire', 'seizure', false], // two edits
		['seizure', 'seizures', true],
		['seiz', 'seizures', false]
	])('%s ~ %s: %s', (a, b, expected) => {
		expect(withinOneEdit(a, b)).toBe(expected);
	});

	it('compares with the first letters of a longer word', () => {
		expect(withinOneEdit('convulsoi', 'convulsiones', 9)).toBe(true);
		expect(withinOneEdit('convlusi', 'convulsiones', 8)).toBe(true);
		expect(withinOneEdit('cnvlusi', 'convulsiones', 7)).toBe(false);
	});
});
