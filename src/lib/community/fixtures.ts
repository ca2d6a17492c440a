import type { MemberDoc } from '$lib/schemas/community';

/** A directory entry for tests: public id `<letter>` repeated to 22 characters. */
export function member(letter: string, fields: Partial<MemberDoc> = {}): MemberDoc {
	const publicId = letter.repeat(22);
	return {
		_id: `member:${publicId}`,
		type: 'member',
		public_id: publicId,
		nickname: `nick-${letter}`,
		languages: [],
		diseases: [],
		symptoms: [],
		bio: '',
		accepts_messages: true,
		updated_at: '2026-12-01T10:00:00.000Z',
		...fields
	};
}

export const symptoms = (...codes: string[]) => codes.map((code) => ({ code, label: code }));
