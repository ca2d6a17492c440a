import {
	ConsentStore,
	sharedCounts,
	type ConsentRecord,
	type SharedCount
} from '$lib/data/consents';
import { loadConsentText, consentTextLanguage } from '$lib/consent/texts';
import type { ConsentText } from '$lib/consent/types';
import {
	CONSENT_SCOPES,
	covers,
	currentConsentVersion,
	isSafeSignatureSvg,
	needsRenewal,
	type ConsentDoc,
	type ConsentRelation,
	type ConsentScope,
	type ConsentScopes,
	type Withdrawal
} from '$lib/schemas/consent';
import type { PatientRelation } from '$lib/schemas/patient';
import type { RecordsState } from './records.svelte';

/**
 * The research consent of one record for its page (issue #18): the consent in force, what the
 * research worker has shared (its receipts), and the e-consent flow — explanation, comprehension
 * questions, a choice per scope, a typed and drawn signature — then a new consent document,
 * offline. A change or a withdrawal is a new document (data/consents.ts), never an edit.
 */

export type ConsentStep = 'closed' | 'explain' | 'quiz' | 'choose' | 'sign';

/** How the account signs for the record: the patient themselves, or for someone cared for. */
export function signerRelationOf(relation: PatientRelation | undefined): ConsentRelation {
	return relation === 'self' ? 'self' : 'legal-representative';
}

export interface ConsentStateOptions {
	store: ConsentStore;
	/** The account's username (the signer). */
	user: string;
	/** Editors may consent; viewers never. */
	canEdit: boolean;
	/** The account's relation to the record's person (registry or demographics). */
	relation: PatientRelation | undefined;
	/** The person's birth month (`YYYY-MM`), to know when they come of age. */
	birthMonth?: string | undefined;
	now?: () => Date;
}

/** Whether someone born in `birthMonth` (`YYYY-MM`) is 18 or older at `now` (by month). */
export function isAdult(birthMonth: string | undefined, now: Date): boolean {
	const match = /^(\d{4})-(\d{2})$/.exec(birthMonth ?? '');
	if (!match) return false;
	const months =
		(now.getUTCFullYear() - Number(match[1])) * 12 + (now.getUTCMonth() + 1 - Number(match[2]));
	return months >= 18 * 12;
}

function emptyScopes(): ConsentScopes {
	return Object.fromEntries(CONSENT_SCOPES.map((scope) => [scope, false])) as ConsentScopes;
}

export class ConsentState {
	record = $state.raw<ConsentRecord>({ consents: [], inForce: undefined, receipts: [] });
	ready = $state(false);
	/** i18n key: reading or writing failed. */
	error = $state<string | undefined>();
	text = $state.raw<ConsentText | undefined>();
	textLanguage = $state('en');

	step = $state<ConsentStep>('closed');
	/** The option picked per comprehension question. */
	answers = $state<(number | undefined)[]>([]);
	/** The quiz was checked: wrong answers show their explanation. */
	quizChecked = $state(false);
	scopes = $state<ConsentScopes>(emptyScopes());
	name = $state('');
	signatureSvg = $state<string | undefined>();
	/** A legal representative confirms being one before signing. */
	representativeConfirmed = $state(false);
	busy = $state(false);
	/** Set after a consent or withdrawal was stored: the announcement's i18n key. */
	done = $state<string | undefined>();

	readonly #options: ConsentStateOptions;
	#stop: (() => void) | undefined;

	constructor(options: ConsentStateOptions) {
		this.#options = options;
	}

	get canConsent(): boolean {
		return this.#options.canEdit;
	}

	get relation(): ConsentRelation {
		return signerRelationOf(this.#options.relation);
	}

	get inForce(): ConsentDoc | undefined {
		return this.record.inForce;
	}

	/** A consent that agrees to something now (not withdrawn, text still holding). */
	get active(): boolean {
		return CONSENT_SCOPES.some((scope) => covers(this.record.inForce, scope));
	}

	/** A newer material text came after the consent in force: ask to consent again. */
	get renewalNeeded(): boolean {
		return needsRenewal(this.record.inForce);
	}

	/**
	 * A legal representative's consent is in force but the person can now consent themselves:
	 * `self` (the patient, on their own account: give your own consent) or `adult` (the person
	 * cared for came of age: they should consent from their account).
	 */
	get ownConsentNeeded(): 'self' | 'adult' | undefined {
		const inForce = this.record.inForce;
		if (!inForce || inForce.withdrawal !== undefined) return undefined;
		if (inForce.signer.relation !== 'legal-representative') return undefined;
		if (this.relation === 'self') return 'self';
		// Read once per call, never kept: nothing needs to follow the clock here.
		// eslint-disable-next-line svelte/prefer-svelte-reactivity
		const now = (this.#options.now ?? (() => new Date()))();
		return isAdult(this.#options.birthMonth, now) ? 'adult' : undefined;
	}

	get shared(): SharedCount[] {
		return sharedCounts(this.record.receipts);
	}

	/**
	 * The consent a response was shared with research under, from the research worker's receipt
	 * (synced from the server): undefined until the worker has shared it, or once withdrawn.
	 */
	sharedUnder(responseId: string): ConsentDoc | undefined {
		const receipt = this.record.receipts.find(
			(entry) => entry.response_id === responseId && entry.state === 'shared'
		);
		if (!receipt) return undefined;
		return this.record.consents.find((consent) => consent._id === receipt.consent_id);
	}

	/** Whether answers of `scope` go to research now. */
	covers(scope: string | undefined): boolean {
		return covers(this.record.inForce, scope);
	}

	get quizPassed(): boolean {
		const questions = this.text?.questions ?? [];
		return (
			questions.length > 0 &&
			questions.every((question, index) => this.answers[index] === question.correct)
		);
	}

	get canSign(): boolean {
		return (
			this.canConsent &&
			!this.busy &&
			this.name.trim().length > 0 &&
			(this.relation === 'self' || this.representativeConfirmed) &&
			(this.signatureSvg === undefined || isSafeSignatureSvg(this.signatureSvg))
		);
	}

	async load(lang: string): Promise<void> {
		try {
			const version = currentConsentVersion();
			const [record, text] = await Promise.all([
				this.#options.store.read(),
				this.text && this.textLanguage === consentTextLanguage(version, lang)
					? Promise.resolve(this.text)
					: loadConsentText(version, lang)
			]);
			this.record = record;
			this.text = text;
			this.textLanguage = consentTextLanguage(version, lang);
			this.error = undefined;
		} catch (error) {
			console.debug('[consent] could not read', error);
			this.error = 'errors.read_failed';
		}
		this.ready = true;
	}

	/** Reads again when a consent or receipt changes (this device, or by sync). */
	follow(lang: () => string): void {
		this.#stop?.();
		this.#stop = this.#options.store.follow(() => void this.load(lang()));
	}

	close(): void {
		this.#stop?.();
		this.#stop = undefined;
	}

	/** Opens the flow; a change starts from the scopes in force. */
	start(): void {
		if (!this.canConsent) return;
		const inForce = this.record.inForce;
		this.scopes =
			inForce && inForce.withdrawal === undefined ? { ...inForce.scopes } : emptyScopes();
		this.answers = [];
		this.quizChecked = false;
		this.name = '';
		this.signatureSvg = undefined;
		this.representativeConfirmed = false;
		this.done = undefined;
		this.error = undefined;
		this.step = 'explain';
	}

	cancel(): void {
		this.step = 'closed';
	}

	next(): void {
		if (this.step === 'explain') this.step = 'quiz';
		else if (this.step === 'quiz') {
			this.quizChecked = true;
			if (this.quizPassed) this.step = 'choose';
		} else if (this.step === 'choose') this.step = 'sign';
	}

	back(): void {
		if (this.step === 'sign') this.step = 'choose';
		else if (this.step === 'choose') this.step = 'quiz';
		else if (this.step === 'quiz') this.step = 'explain';
	}

	toggle(scope: ConsentScope, agreed: boolean): void {
		this.scopes = { ...this.scopes, [scope]: agreed };
	}

	async sign(): Promise<boolean> {
		if (!this.canSign) return false;
		this.busy = true;
		try {
			await this.#options.store.sign({
				user: this.#options.user,
				name: this.name,
				relation: this.relation,
				scopes: { ...this.scopes },
				language: this.textLanguage,
				...(this.signatureSvg ? { signatureSvg: this.signatureSvg } : {})
			});
			this.step = 'closed';
			this.done = 'consent_flow.signed_announce';
			await this.load(this.textLanguage);
			return true;
		} catch (error) {
			this.error = keyOf(error);
			return false;
		} finally {
			this.busy = false;
		}
	}

	async withdraw(kind: Withdrawal, name: string): Promise<boolean> {
		if (!this.canConsent || this.busy) return false;
		this.busy = true;
		try {
			await this.#options.store.withdraw(kind, {
				user: this.#options.user,
				name,
				relation: this.relation,
				language: this.textLanguage
			});
			this.done =
				kind === 'erase' ? 'consent_flow.erased_announce' : 'consent_flow.stopped_announce';
			await this.load(this.textLanguage);
			return true;
		} catch (error) {
			this.error = keyOf(error);
			return false;
		} finally {
			this.busy = false;
		}
	}
}

function keyOf(error: unknown): string {
	if (error && typeof error === 'object' && 'key' in error && typeof error.key === 'string') {
		return error.key;
	}
	if (error && typeof error === 'object' && 'status' in error && error.status === 403) {
		return 'consent_flow.viewer_cannot';
	}
	return 'errors.save_failed';
}

/**
 * The consent state of a record of the open profile: consents are written through the record's
 * guarded handle (the open record's sync engine database when it is that one), so a viewer's
 * device never stores one. The relation comes from the record's demographics (the signer's own
 * entry), else the registry.
 */
export async function recordConsent(
	patients: Pick<RecordsState, 'data' | 'openId' | 'openDb' | 'demographics'>,
	patientId: string,
	user: string
): Promise<ConsentState | undefined> {
	const data = patients.data;
	const record = data?.get(patientId);
	if (!data || !record) return undefined;
	const engineDb = patients.openId === patientId ? patients.openDb : undefined;
	const db = data.guard(patientId, engineDb ?? data.handle(patientId));
	const details = await patients.demographics(patientId).catch(() => undefined);
	return new ConsentState({
		store: new ConsentStore({ db }),
		user,
		canEdit: data.canEdit(patientId),
		relation: details?.relation ?? record.relation,
		birthMonth: details?.birth
	});
}
