import { errorValues } from '$lib/api/errors';
import { fieldErrors } from '$lib/api/validation';
import { exportFromDevice, type DeviceExport } from '$lib/data/device-export';
import { errorKey } from '$lib/errors';
import { setLocale } from '$lib/i18n';
import type { Locale } from '$lib/i18n/locales';
import {
	nicknameSchema,
	passwordContainsUsername,
	passwordSchema,
	type AccountProfile
} from '$lib/schemas/account';
import type { ProfilesState } from './profiles.svelte';
import type { SessionState } from './session.svelte';

/** One action's form state: its error key, its success message key, busy. */
export interface Outcome {
	error?: string;
	/** Values of the error's message (`minutes` to wait after too many password attempts). */
	values?: Record<string, number>;
	done?: string;
	busy?: boolean;
}

/** What the account page's actions use of the session and the profiles. */
type AccountSession = Pick<
	SessionState,
	'profile' | 'changeNickname' | 'changePassword' | 'changeLanguage' | 'deleteAccount'
>;
type AccountProfiles = Pick<ProfilesState, 'active' | 'renamed' | 'removeData'>;

/**
 * The account page's actions (nickname, password, language, deleting the account), each with
 * its own outcome, and the fields they read. The page renders; this checks and calls.
 */
export class AccountSettingsState {
	nickname = $state<Outcome>({});
	password = $state<Outcome>({});
	language = $state<Outcome>({});
	deletion = $state<Outcome>({});
	/** "Download my data" from the device (offline). */
	deviceExport = $state<Outcome>({});

	newNickname = $state('');
	currentPassword = $state('');
	newPassword = $state('');
	confirmName = $state('');
	deletePassword = $state('');

	#session: AccountSession;
	#profiles: AccountProfiles;
	#setLocale: (code: Locale) => Promise<unknown>;
	#exportDevice: typeof exportFromDevice;
	#save: (file: Blob, name: string) => void;

	constructor(
		session: AccountSession,
		profiles: AccountProfiles,
		options: {
			setLocale?: (code: Locale) => Promise<unknown>;
			exportDevice?: (profile: {
				id: string;
				username: string;
				nickname: string;
			}) => Promise<DeviceExport>;
			save?: (file: Blob, name: string) => void;
		} = {}
	) {
		this.#session = session;
		this.#profiles = profiles;
		this.#setLocale = options.setLocale ?? ((code) => setLocale(code, { remember: true }));
		this.#exportDevice = options.exportDevice ?? exportFromDevice;
		this.#save = options.save ?? saveFile;
	}

	/**
	 * Only the open profile's account: a session without one (left by an offline sign-out or
	 * removal) or of another person is never shown.
	 */
	get profile(): AccountProfile | undefined {
		const account = this.#session.profile;
		return account && this.#profiles.active?.username === account.username ? account : undefined;
	}

	async #run(outcome: Outcome, action: () => Promise<void>, done: string): Promise<boolean> {
		outcome.error = undefined;
		outcome.done = undefined;
		outcome.busy = true;
		try {
			await action();
			outcome.done = done;
			return true;
		} catch (failure) {
			outcome.error = errorKey(failure);
			outcome.values = errorValues(failure);
			return false;
		} finally {
			outcome.busy = false;
		}
	}

	async saveNickname(): Promise<void> {
		const parsed = nicknameSchema.safeParse(this.newNickname);
		if (!parsed.success) {
			this.nickname = { error: Object.values(fieldErrors(parsed.error))[0] };
			return;
		}
		const saved = await this.#run(
			this.nickname,
			async () => {
				await this.#session.changeNickname(parsed.data);
				this.#profiles.renamed(this.#session.profile?.nickname ?? parsed.data);
			},
			'account.nickname_saved'
		);
		if (saved) this.newNickname = '';
	}

	async savePassword(): Promise<void> {
		const parsed = passwordSchema.safeParse(this.newPassword);
		if (!parsed.success) {
			this.password = { error: Object.values(fieldErrors(parsed.error))[0] };
			return;
		}
		const profile = this.profile;
		if (profile && passwordContainsUsername(this.newPassword, profile.username)) {
			this.password = { error: 'errors.password_contains_username' };
			return;
		}
		const saved = await this.#run(
			this.password,
			() => this.#session.changePassword(this.currentPassword, this.newPassword),
			'account.password_saved'
		);
		if (saved) {
			this.currentPassword = '';
			this.newPassword = '';
		}
	}

	async saveLanguage(code: Locale): Promise<void> {
		await this.#run(
			this.language,
			async () => {
				await this.#session.changeLanguage(code);
				await this.#setLocale(code);
			},
			'account.language_saved'
		);
	}

	/**
	 * "Download my data" offline: what this device holds of the open profile (its own data and
	 * the records kept here), in the server export's shape, saved as a file. Online the page
	 * links to the server's complete export instead.
	 */
	async downloadFromDevice(): Promise<boolean> {
		const active = this.#profiles.active;
		if (!active) return false;
		const { id, username, nickname } = active;
		this.deviceExport = { busy: true };
		try {
			const data = await this.#exportDevice({ id, username, nickname });
			const file = new Blob([`${JSON.stringify(data, null, '\t')}\n`], {
				type: 'application/json'
			});
			this.#save(file, `dazzle-export-${data.exported_at.slice(0, 10)}-device.json`);
			this.deviceExport = {};
			return true;
		} catch (failure) {
			this.deviceExport = { error: errorKey(failure) };
			return false;
		}
	}

	/** Deletes the account and everything of it on this device; true when it is gone. */
	async deleteAccount(): Promise<boolean> {
		const profile = this.profile;
		const confirm = this.confirmName.trim().toLowerCase();
		if (!profile || confirm !== profile.username) {
			this.deletion = { error: 'errors.confirm_mismatch' };
			return false;
		}
		return this.#run(
			this.deletion,
			async () => {
				await this.#session.deleteAccount(confirm, this.deletePassword);
				// The account is gone: so is everything of it on this device.
				await this.#profiles.removeData();
			},
			'account.deleted'
		);
	}
}

/** Saves a file the way a download link does. */
function saveFile(file: Blob, name: string): void {
	const url = URL.createObjectURL(file);
	const link = document.createElement('a');
	link.href = url;
	link.download = name;
	link.click();
	// The click has started the download; the URL can go once it has been read.
	setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
