import type { ConsentScope } from '$lib/schemas/consent';

/**
 * One consent text (a version, in one language): what the person reads before choosing. The
 * wording is the consent itself, so it lives in versioned files (`texts/v<N>/<lang>.ts`), not in
 * the app's messages: a change of meaning is a new version (`CONSENT_VERSIONS`), never an edit.
 */
export interface ConsentText {
	title: string;
	/** Paragraphs shown first: what donating means, who sees what. */
	intro: readonly string[];
	/** Per scope: a short name and what agreeing to it shares. */
	scopes: Record<ConsentScope, { title: string; explanation: string }>;
	/** Two or three questions checking the main points were understood. */
	questions: readonly ConsentQuestion[];
	withdraw: { stop: string; erase: string };
	/** What the signer declares, for themselves. */
	declarationSelf: string;
	/** What the signer declares, as the legal representative of the person cared for. */
	declarationRepresentative: string;
}

export interface ConsentQuestion {
	question: string;
	options: readonly string[];
	/** Index of the right option. */
	correct: number;
	/** Shown after a wrong choice: the point to read again. */
	explanation: string;
}
