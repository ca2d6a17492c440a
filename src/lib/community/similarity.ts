import { diseaseNameKey, type MemberDoc } from '$lib/schemas/community';

/**
 * "People like me" (issue #19), on the device from the pulled directory: members who share the
 * user's diagnosis (same ORPHA code, or the same disease name once normalised) come first, then
 * members with the most HPO symptoms in common (Jaccard similarity over the term ids). Pure.
 */

/** What the user's likeness is measured from: their profile and the records they keep. */
export interface Likeness {
	/** The user's own public id: never listed. */
	publicId?: string;
	diseases: readonly { name?: string; orpha?: string }[];
	/** HPO term ids (`HP:0001250`); other entries are ignored. */
	symptoms: readonly string[];
}

export interface LikenessFilters {
	/** Only members showing this country (ISO 3166 alpha-2). */
	country?: string;
	/** Only members speaking this language (ISO 639). */
	language?: string;
	/** Public ids the user blocked: never listed. */
	blocked?: ReadonlySet<string>;
}

export interface PersonLikeMe {
	member: MemberDoc;
	/** The member has one of the user's diseases. */
	sameDiagnosis: boolean;
	/** HPO ids both have, in the member's order. */
	sharedSymptoms: string[];
	/** Jaccard similarity of the two symptom sets, 0‥1. */
	symptomSimilarity: number;
	/** Sort key: a diagnosis match (weight 1) is worth more than any symptom overlap (≤ 1). */
	score: number;
}

/** A diagnosis weighs more than every symptom together, so it always ranks first. */
const DIAGNOSIS_WEIGHT = 2;
const HPO_ID = /^HP:\d{7}$/;

function diseaseKeys(diseases: Likeness['diseases']): { orpha: Set<string>; names: Set<string> } {
	const orpha = new Set<string>();
	const names = new Set<string>();
	for (const disease of diseases) {
		if (disease.orpha) orpha.add(disease.orpha);
		const key = disease.name ? diseaseNameKey(disease.name) : '';
		if (key) names.add(key);
	}
	return { orpha, names };
}

function sharesDiagnosis(
	mine: ReturnType<typeof diseaseKeys>,
	member: MemberDoc['diseases']
): boolean {
	return member.some((disease) => {
		if (disease.orpha && mine.orpha.has(disease.orpha)) return true;
		const key = disease.key || (disease.name ? diseaseNameKey(disease.name) : '');
		return key !== '' && mine.names.has(key);
	});
}

/** |A ∩ B| / |A ∪ B| over HPO ids; 0 when both are empty. */
export function jaccard(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
	let shared = 0;
	for (const id of a) if (b.has(id)) shared += 1;
	const union = a.size + b.size - shared;
	return union === 0 ? 0 : shared / union;
}

/**
 * Members like the user, most alike first (then by nickname): only those sharing a diagnosis or
 * at least one symptom; never the user, a member they blocked, or one the filters leave out.
 */
export function peopleLikeMe(
	me: Likeness,
	members: readonly MemberDoc[],
	filters: LikenessFilters = {},
	locale = 'en'
): PersonLikeMe[] {
	const mine = diseaseKeys(me.diseases);
	const mySymptoms = new Set(me.symptoms.filter((id) => HPO_ID.test(id)));
	const found: PersonLikeMe[] = [];
	for (const member of members) {
		if (member.public_id === me.publicId || filters.blocked?.has(member.public_id)) continue;
		if (filters.country && member.country !== filters.country) continue;
		if (filters.language && !member.languages.includes(filters.language)) continue;
		const theirs = new Set(member.symptoms.map((symptom) => symptom.code));
		const sharedSymptoms = [...theirs].filter((id) => mySymptoms.has(id));
		const sameDiagnosis = sharesDiagnosis(mine, member.diseases);
		if (!sameDiagnosis && sharedSymptoms.length === 0) continue;
		const symptomSimilarity = jaccard(mySymptoms, theirs);
		found.push({
			member,
			sameDiagnosis,
			sharedSymptoms,
			symptomSimilarity,
			score: (sameDiagnosis ? DIAGNOSIS_WEIGHT : 0) + symptomSimilarity
		});
	}
	const collator = new Intl.Collator(locale);
	return found.sort(
		(a, b) =>
			b.score - a.score ||
			b.sharedSymptoms.length - a.sharedSymptoms.length ||
			collator.compare(a.member.nickname, b.member.nickname) ||
			a.member.public_id.localeCompare(b.member.public_id)
	);
}

/** The countries and languages members show, for the filters' choices (sorted codes). */
export function filterChoices(members: readonly MemberDoc[]): {
	countries: string[];
	languages: string[];
} {
	const countries = new Set<string>();
	const languages = new Set<string>();
	for (const member of members) {
		if (member.country) countries.add(member.country);
		for (const language of member.languages) languages.add(language);
	}
	return { countries: [...countries].sort(), languages: [...languages].sort() };
}
