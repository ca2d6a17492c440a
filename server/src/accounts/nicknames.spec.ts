import { describe, expect, it } from 'vitest';
import { nicknameKey } from '../../../src/lib/schemas/account';
import {
	confusableSkeleton,
	isKeyOf,
	nicknameLookupKeys,
	nicknameReservationKey
} from './nicknames';

const clash = (a: string, b: string) =>
	nicknameLookupKeys(b).includes(nicknameReservationKey(a)) ||
	nicknameLookupKeys(a).includes(nicknameReservationKey(b));

describe('nickname keys', () => {
	it('takes the TS #39 skeleton: look-alike characters map to one prototype', () => {
		expect(confusableSkeleton('\u0410lice')).toBe(confusableSkeleton('Alice'));
		expect(confusableSkeleton('\u0441\u043e\u0440')).toBe('cop');
		expect(confusableSkeleton('0')).toBe('O');
	});

	it.each([
		['Alice1', '\u0410lice1', 'a Cyrillic А'],
		['cop', '\u0441\u043e\u0440', 'a whole Cyrillic word'],
		['Bob', 'B0b', 'a zero'],
		['Bill', 'BiII', 'capital I for l'],
		['Sam', 'Sarn', 'rn for m'],
		['Eva', 'Ｅｖａ', 'full-width letters'],
		['José Luis', 'jose_luis', 'accents, case and separators (as before)'],
		['BILL', 'bill', 'case only']
	])('%s and %s clash (%s)', (a, b) => {
		expect(clash(a, b)).toBe(true);
	});

	it.each([
		['Anna', 'Hanna'],
		['Мария', 'Maria'],
		['Ελένη', 'Eleni'],
		['さくら', 'サクラ']
	])('%s and %s are different nicknames', (a, b) => {
		expect(clash(a, b)).toBe(false);
	});

	it('still knows the keys reservations had before skeletons', () => {
		expect(nicknameLookupKeys('Alice1')).toContain(nicknameKey('Alice1'));
		expect(isKeyOf('Alice1', nicknameKey('Alice1'))).toBe(true);
		expect(isKeyOf('Alice1', nicknameReservationKey('Alice1'))).toBe(true);
		expect(isKeyOf('Alice1', nicknameReservationKey('Bob'))).toBe(false);
	});
});
