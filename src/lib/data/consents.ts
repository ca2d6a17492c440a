import {
	CONSENT_ID_PREFIX,
	CONSENT_SCOPES,
	CONSENT_TYPE,
	RESEARCH_RECEIPT_PREFIX,
	consentDocSchema,
	consentId,
	consentInForce,
	currentConsentVersion,
	researchReceiptSchema,
	type ConsentDoc,
	type ConsentRelation,
	type ConsentScopes,
	type ResearchReceipt,
	type Withdrawal
} from '$lib/schemas/consent';

/**
 * A record's research consents and the research worker's receipts, in the record's local
 * database (issue #18). A signed consent is never changed: a change of scopes, a renewal under
 * a newer text or a withdrawal is a NEW document naming the one it replaces (`supersedes`);
 * the server refuses any change to a stored one. Works offline: the new consent reaches the
 * server with the record's sync. Give it the record's guarded handle, so a viewer's device
 * never stores a consent the server would refuse.
 */

export class ConsentError extends Error {
	/** `key`: the i18n key of the refusal. */
	constructor(readonly key: string) {
		super(key);
		this.name = 'ConsentError';
	}
}

/** What a questionnaire has given to research, from its responses' receipts. */
export interface SharedCount {
	/** Canonical url of the questionnaire. */
	questionnaireUrl: string;
	/** Responses currently shared. */
	shared: number;
	/** The newest time one of them was shared. */
	lastShared: string | undefined;
}

export interface ConsentRecord {
	/** Every valid consent of the record, oldest first. */
	consents: ConsentDoc[];
	inForce: ConsentDoc | undefined;
	receipts: ResearchReceipt[];
}

export interface NewConsent {
	/** The signing account's username. */
	user: string;
	/** The full name typed as the signature. */
	name: string;
	relation: ConsentRelation;
	scopes: ConsentScopes;
	language: string;
	signatureSvg?: string;
	textVersion?: string;
}

/** Pure: per questionnaire, how many responses are shared now and when one last was. */
export function sharedCounts(receipts: readonly ResearchReceipt[]): SharedCount[] {
	// Built and thrown away here.
	const byUrl = new Map<string, SharedCount>();
	for (const receipt of receipts) {
		const entry = byUrl.get(receipt.questionnaire_url) ?? {
			questionnaireUrl: receipt.questionnaire_url,
			shared: 0,
			lastShared: undefined
		};
		if (receipt.state === 'shared') {
			entry.shared += 1;
			if (entry.lastShared === undefined || Date.parse(receipt.at) > Date.parse(entry.lastShared))
				entry.lastShared = receipt.at;
		}
		byUrl.set(receipt.questionnaire_url, entry);
	}
	return [...byUrl.values()].sort((a, b) => a.questionnaireUrl.localeCompare(b.questionnaireUrl));
}

/** Every scope false: what a withdrawal says. */
export function noScopes(): ConsentScopes {
	return Object.fromEntries(CONSENT_SCOPES.map((scope) => [scope, false])) as ConsentScopes;
}

export interface ConsentStoreOptions {
	db: PouchDB.Database;
	now?: () => Date;
	/** Random tail of new ids (tests pass their own). */
	random?: () => string;
}

export class ConsentStore {
	readonly #options: ConsentStoreOptions;

	constructor(options: ConsentStoreOptions) {
		this.#options = options;
	}

	#now(): Date {
		return (this.#options.now ?? (() => new Date()))();
	}

	async #prefixed(prefix: string): Promise<unknown[]> {
		const result = await this.#options.db.allDocs({
			startkey: prefix,
			endkey: `${prefix}\uffff`,
			include_docs: true
		});
		return result.rows.flatMap((row) => ('doc' in row && row.doc ? [row.doc] : []));
	}

	/** The record's consents (invalid or forged ones skipped) and receipts. */
	async read(): Promise<ConsentRecord> {
		const [consentDocs, receiptDocs] = await Promise.all([
			this.#prefixed(CONSENT_ID_PREFIX),
			this.#prefixed(RESEARCH_RECEIPT_PREFIX)
		]);
		const consents = consentDocs
			.flatMap((doc) => {
				const parsed = consentDocSchema.safeParse(doc);
				return parsed.success ? [parsed.data] : [];
			})
			.sort(
				(a, b) => Date.parse(a.signed_at) - Date.parse(b.signed_at) || (a._id < b._id ? -1 : 1)
			);
		const receipts = receiptDocs.flatMap((doc) => {
			const parsed = researchReceiptSchema.safeParse(doc);
			return parsed.success ? [parsed.data] : [];
		});
		return { consents, inForce: consentInForce(consents), receipts };
	}

	#build(
		fields: Omit<ConsentDoc, '_id' | 'type' | 'schema_version' | 'signed_at' | 'updated_at'>
	): ConsentDoc {
		const now = this.#now();
		const iso = now.toISOString();
		const random = this.#options.random?.();
		const parsed = consentDocSchema.safeParse({
			_id: consentId(now, random),
			type: CONSENT_TYPE,
			schema_version: 1,
			...fields,
			signed_at: iso,
			updated_at: iso
		});
		if (!parsed.success) {
			throw new ConsentError(parsed.error.issues[0]?.message ?? 'errors.consent_invalid');
		}
		return parsed.data;
	}

	/**
	 * Signs a new consent (a first one, a change of scopes, or a renewal under the current
	 * text): a new document superseding the one in force. Returns it as stored.
	 */
	async sign(input: NewConsent): Promise<ConsentDoc> {
		const { inForce } = await this.read();
		const name = input.name.trim();
		if (name.length === 0) throw new ConsentError('consent_flow.name_required');
		const doc = this.#build({
			text_version: input.textVersion ?? currentConsentVersion(),
			language: input.language,
			signer: { user: input.user, name, relation: input.relation },
			...(input.signatureSvg ? { signature_svg: input.signatureSvg } : {}),
			scopes: { ...input.scopes },
			...(inForce ? { supersedes: inForce._id } : {})
		});
		await this.#options.db.put(doc);
		return doc;
	}

	/**
	 * Withdraws: a new document with every scope false, `stop` (nothing new shared) or `erase`
	 * (what was shared removed too). Signed by whoever withdraws, under the text they read.
	 */
	async withdraw(
		withdrawal: Withdrawal,
		signer: { user: string; name: string; relation: ConsentRelation; language: string }
	): Promise<ConsentDoc> {
		const { inForce } = await this.read();
		if (!inForce || inForce.withdrawal !== undefined) {
			throw new ConsentError('consent_flow.nothing_to_withdraw');
		}
		const name = signer.name.trim();
		if (name.length === 0) throw new ConsentError('consent_flow.name_required');
		const doc = this.#build({
			text_version: inForce.text_version,
			language: signer.language,
			signer: { user: signer.user, name, relation: signer.relation },
			scopes: noScopes(),
			supersedes: inForce._id,
			withdrawal
		});
		await this.#options.db.put(doc);
		return doc;
	}

	/** Calls `onChange` when a consent or receipt changes (this device or a pull); returns a stop. */
	follow(onChange: () => void, burstMs = 150): () => void {
		const feed = this.#options.db.changes({ since: 'now', live: true });
		let burst: ReturnType<typeof setTimeout> | undefined;
		feed.on('change', (change) => {
			if (
				!change.id.startsWith(CONSENT_ID_PREFIX) &&
				!change.id.startsWith(RESEARCH_RECEIPT_PREFIX)
			)
				return;
			clearTimeout(burst);
			burst = setTimeout(onChange, burstMs);
		});
		feed.on('error', (error) => console.debug('[consents] feed stopped', error));
		return () => {
			feed.cancel();
			clearTimeout(burst);
		};
	}
}
