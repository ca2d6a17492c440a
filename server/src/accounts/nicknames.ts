import unhomoglyph from 'unhomoglyph';
import { nicknameKey } from '../../../src/lib/schemas/account';

/**
 * Nickname uniqueness by look, not by code points. Two nicknames are the same when their keys
 * are: case, accents and separators are ignored (as `nicknameKey` always did) and characters
 * that look alike map to one (the confusable skeleton of Unicode TS #39: NFD, each character
 * replaced by its prototype from Unicode's confusables.txt, NFD again). The confusables table
 * comes from `unhomoglyph` (MIT, generated from confusables.txt; ~100 KB, so it stays on the
 * server; the client checks only the single-script rule, which needs no table).
 *
 * Order: fold case first (so `BILL` and `bill` stay one nickname), take the skeleton, fold
 * again (the skeleton maps `0` to `O`, Cyrillic `а` to `a`…). Folding first hides one
 * confusion, a capital `I` against a small `l`: `lookupKeys` also checks the skeleton of the
 * unfolded nickname, so a newcomer's `BiII` meets an existing `Bill` (the first owner is the
 * one protected).
 */

const SEPARATORS = /[\s._'-]+/g;

function plain(text: string): string {
	return text.normalize('NFKD').replace(/\p{M}/gu, '');
}

/** Unicode TS #39 skeleton: NFD, confusables mapped to their prototypes, NFD. */
export function confusableSkeleton(text: string): string {
	return unhomoglyph(text.normalize('NFD')).normalize('NFD');
}

function keyOf(text: string): string {
	return plain(text).toLowerCase().replace(SEPARATORS, '');
}

/** The reservation key of a nickname (`worker` doc `nickname:<key>`). */
export function nicknameReservationKey(nickname: string): string {
	return keyOf(confusableSkeleton(keyOf(nickname)));
}

/**
 * Every key under which an existing reservation would clash with `nickname`: its own, the
 * skeleton of its unfolded form (capital I against l), and the key before skeletons
 * (reservations made before them that the start-up migration could not move).
 */
export function nicknameLookupKeys(nickname: string): string[] {
	return [
		...new Set([
			nicknameReservationKey(nickname),
			keyOf(confusableSkeleton(plain(nickname).replace(SEPARATORS, ''))),
			nicknameKey(nickname)
		])
	];
}

/** Whether a reservation key belongs to `nickname` (its key now, or its key before skeletons). */
export function isKeyOf(nickname: string, key: string): boolean {
	return key === nicknameReservationKey(nickname) || key === nicknameKey(nickname);
}
