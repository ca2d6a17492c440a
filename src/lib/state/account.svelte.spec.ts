import { describe, expect, it, vi } from 'vitest';
import { ApiRequestError } from '$lib/api/client';
import type { AccountProfile } from '$lib/schemas/account';
import { AccountSettingsState } from './account.svelte';

const ana = {
	username: 'ana',
	nickname: 'Ana',
	language: 'en',
	country: 'ES',
	role: 'patient'
} as AccountProfile;

function setup(account: AccountProfile | null = ana) {
	const session = {
		profile: account ?? undefined,
		changeNickname: vi.fn(async (nickname: string) => {
			session.profile = { ...ana, nickname };
		}),
		changePassword: vi.fn(async () => undefined),
		changeLanguage: vi.fn(async () => undefined),
		deleteAccount: vi.fn(async () => undefined)
	};
	const profiles = {
		active: { username: 'ana' } as never,
		renamed: vi.fn(),
		removeData: vi.fn(async () => undefined)
	};
	const setLocale = vi.fn(async () => undefined);
	const state = new AccountSettingsState(session, profiles, { setLocale });
	return { state, session, profiles, setLocale };
}

describe('AccountSettingsState', () => {
	it("shows only the open profile's account", () => {
		expect(setup().state.profile?.username).toBe('ana');
		expect(setup({ ...ana, username: 'teo' }).state.profile).toBeUndefined();
		expect(setup(null).state.profile).toBeUndefined();
	});

	it('saves a valid nickname, renames the profile and clears the field; refuses an empty one', async () => {
		const { state, session, profiles } = setup();
		state.newNickname = '';
		await state.saveNickname();
		expect(state.nickname.error).toMatch(/^errors\./);
		expect(session.changeNickname).not.toHaveBeenCalled();

		state.newNickname = 'Ana B';
		await state.saveNickname();
		expect(session.changeNickname).toHaveBeenCalledWith('Ana B');
		expect(profiles.renamed).toHaveBeenCalledWith('Ana B');
		expect(state.nickname).toEqual({ done: 'account.nickname_saved', busy: false });
		expect(state.newNickname).toBe('');
	});

	it('refuses a password containing the username and shows the server refusal by its key', async () => {
		const { state, session } = setup();
		state.newPassword = 'ana-likes-long-walks';
		await state.savePassword();
		expect(state.password.error).toBe('errors.password_contains_username');
		expect(session.changePassword).not.toHaveBeenCalled();

		session.changePassword.mockRejectedValueOnce(new ApiRequestError(401, 'errors.password_wrong'));
		state.currentPassword = 'old one';
		state.newPassword = 'correct horse battery staple';
		await state.savePassword();
		expect(state.password.error).toBe('errors.password_wrong');
		expect(state.currentPassword).toBe('old one');
	});

	it('changes the language on the server and on screen', async () => {
		const { state, session, setLocale } = setup();
		await state.saveLanguage('fr');
		expect(session.changeLanguage).toHaveBeenCalledWith('fr');
		expect(setLocale).toHaveBeenCalledWith('fr');
		expect(state.language.done).toBe('account.language_saved');
	});

	it('deletes the account only with its name typed, then removes its data from the device', async () => {
		const { state, session, profiles } = setup();
		state.confirmName = 'teo';
		expect(await state.deleteAccount()).toBe(false);
		expect(state.deletion.error).toBe('errors.confirm_mismatch');
		expect(session.deleteAccount).not.toHaveBeenCalled();

		state.confirmName = ' ANA ';
		state.deletePassword = 'secret';
		expect(await state.deleteAccount()).toBe(true);
		expect(session.deleteAccount).toHaveBeenCalledWith('ana', 'secret');
		expect(profiles.removeData).toHaveBeenCalledOnce();
	});

	it('downloads what the device holds of the open profile, as a file named for the day', async () => {
		const session = {
			profile: undefined,
			changeNickname: vi.fn(),
			changePassword: vi.fn(),
			changeLanguage: vi.fn(),
			deleteAccount: vi.fn()
		};
		const profiles = {
			active: { id: 'p1', username: 'ana', nickname: 'Ana' } as never,
			renamed: vi.fn(),
			removeData: vi.fn(async () => undefined)
		};
		const exportDevice = vi.fn(async () => ({
			exported_at: '2026-12-07T05:00:00.000Z',
			source: 'device' as const,
			account: { username: 'ana', nickname: 'Ana' },
			user_db: [{ _id: 'profile' }],
			patient_dbs: {}
		}));
		const saved: { file: Blob; name: string }[] = [];
		const state = new AccountSettingsState(session, profiles, {
			exportDevice,
			save: (file, name) => saved.push({ file, name })
		});
		expect(await state.downloadFromDevice()).toBe(true);
		expect(exportDevice).toHaveBeenCalledWith({ id: 'p1', username: 'ana', nickname: 'Ana' });
		expect(saved[0]?.name).toBe('dazzle-export-2026-12-07-device.json');
		expect(JSON.parse(await saved[0]!.file.text())).toMatchObject({
			user_db: [{ _id: 'profile' }]
		});

		exportDevice.mockRejectedValueOnce(new Error('IndexedDB gone'));
		expect(await state.downloadFromDevice()).toBe(false);
		expect(state.deviceExport.error).toMatch(/^errors\./);
	});
});
