import { describe, expect, it } from 'vitest';
import {
	blockDocSchema,
	diseaseNameKey,
	inboxId,
	messageDocSchema,
	messageStatusId,
	PUBLIC_PROFILE_DEFAULTS,
	publicProfileDocSchema,
	publicProfileFieldsSchema
} from './community';

const uuid = '0b6f5a8e-3c1d-4f2a-9e7b-1a2b3c4d5e6f';
const publicId = 'AbCdEfGhIjKlMnOpQrStUv';
const written = { schema_version: 1, updated_at: '2026-12-07T10:00:00.000Z', device: 'dev1' };

describe('community schemas', () => {
	it('a message names only its recipient: a from field is refused', () => {
		const message = {
			_id: `message:${uuid}`,
			type: 'message',
			...written,
			to: publicId,
			body: 'Hello',
			created_at: '2026-12-07T10:00:00.000Z'
		};
		expect(messageDocSchema.safeParse(message).success).toBe(true);
		expect(messageDocSchema.safeParse({ ...message, from: publicId }).success).toBe(false);
		expect(messageDocSchema.safeParse({ ...message, body: '   ' }).success).toBe(false);
		expect(messageDocSchema.safeParse({ ...message, body: 'x'.repeat(2001) }).success).toBe(false);
		expect(messageDocSchema.safeParse({ ...message, to: 'alice' }).success).toBe(false);
		expect(messageDocSchema.safeParse({ ...message, _id: 'message:../x' }).success).toBe(false);
	});

	it('profiles are off by default and capped', () => {
		expect(publicProfileFieldsSchema.parse(PUBLIC_PROFILE_DEFAULTS)).toEqual(
			PUBLIC_PROFILE_DEFAULTS
		);
		const symptoms = Array.from({ length: 11 }, (_, index) => ({
			code: `HP:${String(index).padStart(7, '0')}`,
			label: 'x'
		}));
		const doc = {
			_id: 'public-profile',
			type: 'public_profile',
			...written,
			...PUBLIC_PROFILE_DEFAULTS
		};
		expect(publicProfileDocSchema.safeParse(doc).success).toBe(true);
		expect(publicProfileDocSchema.safeParse({ ...doc, symptoms }).success).toBe(false);
		expect(publicProfileDocSchema.safeParse({ ...doc, diseases: [{}] }).success).toBe(false);
	});

	it('a block names the member of its id', () => {
		const block = {
			_id: `block:${publicId}`,
			type: 'block',
			...written,
			public_id: publicId,
			blocked_at: written.updated_at
		};
		expect(blockDocSchema.safeParse(block).success).toBe(true);
		expect(
			blockDocSchema.safeParse({ ...block, _id: 'block:BbCdEfGhIjKlMnOpQrStUv' }).success
		).toBe(false);
	});

	it('derives ids and disease keys', () => {
		expect(messageStatusId(`message:${uuid}`)).toBe(`message-status:${uuid}`);
		expect(inboxId(publicId, `message:${uuid}`)).toBe(`inbox:${publicId}:${uuid}`);
		expect(diseaseNameKey('Síndrome  de Dravet!')).toBe(diseaseNameKey('sindrome de dravet'));
	});
});
