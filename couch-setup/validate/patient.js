/**
 * validate_doc_update for `patient-<uuid>` databases (one patient's health record). Only
 * accounts holding the role `patient:<uuid>:edit` for THIS database may write (deletions
 * included); the uuid is read from `userCtx.db`, so a role for another patient never
 * matches. Viewers (`patient:<uuid>:view`) read only. Design documents are written by admins
 * (the server) only. Admins (the server and the worker) pass the role check. Shapes are
 * checked lightly here (DESIGN.md: `type` and `updated_at` on every document, the
 * demographics document as src/lib/schemas/patient.ts describes it); the client's schemas
 * are the main guard. Stored in CouchDB as is after `export default`: ES5, no imports.
 * `_local` docs are not validated by CouchDB: the gateway's allowlist guards them.
 *
 * @param {{ _id: string, _deleted?: boolean, type?: unknown, [field: string]: unknown }} newDoc
 * @param {Record<string, unknown> | null} _oldDoc
 * @param {{ db?: string, name: string | null, roles: string[] } | null} userCtx
 */
export default function validatePatient(newDoc, _oldDoc, userCtx) {
	var roles = (userCtx && userCtx.roles) || [];
	var isDesign = newDoc._id.indexOf('_design/') === 0;
	if (roles.indexOf('_admin') === -1) {
		var db = (userCtx && userCtx.db) || '';
		var prefix = 'patient-';
		var uuid = db.indexOf(prefix) === 0 ? db.slice(prefix.length) : '';
		if (uuid === '' || roles.indexOf('patient:' + uuid + ':edit') === -1) {
			throw { forbidden: 'Only the editors of this record may change it.' };
		}
		if (isDesign) throw { forbidden: 'Design documents are written by the Dazzle server.' };
	}
	var old = _oldDoc && !_oldDoc._deleted ? _oldDoc : null;
	var oldType = old ? old.type : undefined;
	if (
		old &&
		roles.indexOf('_admin') === -1 &&
		(oldType === 'response' || oldType === 'response_version')
	) {
		if (newDoc._deleted) {
			if (oldType === 'response_version' || old.status !== 'in-progress' || old.amending) {
				throw { forbidden: 'Only a draft can be deleted; completed answers are corrected.' };
			}
		} else if (newDoc.type !== oldType) {
			throw { forbidden: 'A questionnaire response keeps its type.' };
		}
	}
	// Consents (src/lib/schemas/consent.ts) are signed once and never changed or deleted, by
	// anyone: a change of mind is a new consent document. Research receipts are the server's.
	var isAdmin = roles.indexOf('_admin') !== -1;
	if (old && (oldType === 'consent' || newDoc._id.indexOf('consent-') === 0)) {
		throw { forbidden: 'A signed consent is never changed; sign a new one.' };
	}
	var isReceipt =
		newDoc._id.indexOf('research-receipt-') === 0 ||
		oldType === 'research-receipt' ||
		newDoc.type === 'research-receipt';
	if (isReceipt && !isAdmin) {
		throw { forbidden: 'Research receipts are written by the Dazzle server.' };
	}
	if (newDoc._deleted || isDesign) return;
	if (typeof newDoc.type !== 'string' || newDoc.type === '') {
		throw { forbidden: 'Every document needs a type.' };
	}
	if (typeof newDoc.updated_at !== 'string' || !/^\d{4}-\d\d-\d\dT/.test(newDoc.updated_at)) {
		throw { forbidden: 'Every document needs updated_at (ISO 8601).' };
	}
	if (newDoc.type === 'response' || newDoc.type === 'response_version') {
		validateResponse(newDoc, /** @type {Record<string, unknown> | null} */ (_oldDoc));
	}
	if (newDoc.type === 'consent' || newDoc._id.indexOf('consent-') === 0) {
		validateConsent(newDoc, isAdmin ? null : userCtx ? userCtx.name : null);
	}
	if (
		isReceipt &&
		(newDoc.type !== 'research-receipt' || newDoc._id.indexOf('research-receipt-') !== 0)
	) {
		throw { forbidden: 'A research receipt has the type and id prefix research-receipt.' };
	}
	if (newDoc.type === 'diagnosis' || newDoc._id === 'diagnosis') validateDiagnosis(newDoc);
	if (newDoc.type === 'patient') {
		if (newDoc._id !== 'patient') throw { forbidden: 'The patient document has the id "patient".' };
		if (
			typeof newDoc.birth_month !== 'string' ||
			!/^\d{4}-(0[1-9]|1[0-2])$/.test(newDoc.birth_month)
		) {
			throw { forbidden: 'birth_month must be YYYY-MM.' };
		}
		if (['female', 'male', 'other', 'unknown'].indexOf(String(newDoc.sex)) === -1) {
			throw { forbidden: 'sex must be female, male, other or unknown.' };
		}
		if (typeof newDoc.country !== 'string' || !/^[A-Z]{2}$/.test(newDoc.country)) {
			throw { forbidden: 'country must be a two-letter code.' };
		}
		var relations = /** @type {Record<string, unknown>} */ (newDoc.relations);
		if (typeof relations !== 'object' || relations === null || Array.isArray(relations)) {
			throw { forbidden: 'relations must map editors to relations.' };
		}
		for (var editor in relations) {
			if (['self', 'child', 'other-relative', 'other'].indexOf(String(relations[editor])) === -1) {
				throw { forbidden: 'Unknown relation for ' + editor + '.' };
			}
		}
	}

	/**
	 * A record's diagnosis and main symptoms as src/lib/schemas/diagnosis.ts describes it: the
	 * codes research and "people like me" read (ORPHA, HPO, onset, severity) in their shape.
	 *
	 * @param {Record<string, unknown>} doc
	 */
	function validateDiagnosis(doc) {
		/** @param {unknown} value */
		function isObject(value) {
			return typeof value === 'object' && value !== null && !Array.isArray(value);
		}
		/**
		 * @param {unknown} value
		 * @param {number} max
		 */
		function isCount(value, max) {
			return typeof value === 'number' && value % 1 === 0 && value >= 0 && value <= max;
		}
		if (doc.type !== 'diagnosis' || doc._id !== 'diagnosis') {
			throw { forbidden: 'The diagnosis document has the id and type "diagnosis".' };
		}
		var status = doc.status;
		if (
			status !== undefined &&
			['diagnosed', 'suspected', 'not-diagnosed'].indexOf(String(status)) === -1
		) {
			throw { forbidden: 'status must be diagnosed, suspected or not-diagnosed.' };
		}
		var disease = /** @type {{ name?: unknown, orpha?: unknown }} */ (doc.disease);
		if (disease !== undefined) {
			if (!isObject(disease) || status === 'not-diagnosed') {
				throw { forbidden: 'disease is an object, for a diagnosis given or suspected.' };
			}
			if (
				disease.name !== undefined &&
				(typeof disease.name !== 'string' || disease.name.length > 400)
			) {
				throw { forbidden: 'disease.name must be text.' };
			}
			if (disease.orpha !== undefined && !/^ORPHA:[1-9]\d{0,6}$/.test(String(disease.orpha))) {
				throw { forbidden: 'disease.orpha must be ORPHA: followed by digits.' };
			}
		}
		var odyssey = /** @type {{ searching_years?: unknown, specialists?: unknown }} */ (doc.odyssey);
		if (odyssey !== undefined) {
			if (
				!isObject(odyssey) ||
				status === 'diagnosed' ||
				(odyssey.searching_years !== undefined && !isCount(odyssey.searching_years, 120)) ||
				(odyssey.specialists !== undefined && !isCount(odyssey.specialists, 500))
			) {
				throw { forbidden: 'odyssey holds whole numbers, before a diagnosis.' };
			}
		}
		var symptoms = doc.symptoms;
		if (!Array.isArray(symptoms) || symptoms.length > 100) {
			throw { forbidden: 'symptoms must be a list (at most 100).' };
		}
		for (var i = 0; i < symptoms.length; i += 1) {
			var symptom = symptoms[i];
			if (
				!isObject(symptom) ||
				!(symptom.code === null || /^HP:\d{7}$/.test(String(symptom.code))) ||
				typeof symptom.label !== 'string' ||
				['current', 'past'].indexOf(String(symptom.status)) === -1 ||
				(symptom.onset !== undefined &&
					[
						'antenatal',
						'congenital',
						'neonatal',
						'infantile',
						'childhood',
						'juvenile',
						'adult'
					].indexOf(String(symptom.onset)) === -1) ||
				(symptom.severity !== undefined &&
					['mild', 'moderate', 'severe', 'profound'].indexOf(String(symptom.severity)) === -1)
			) {
				throw { forbidden: 'Each symptom is an HPO id or null, a label, and its status.' };
			}
		}
	}

	/**
	 * A consent as src/lib/schemas/consent.ts describes it, checked for what the research worker
	 * relies on; the worker parses it fully again and skips (and audits) what fails. An editor
	 * signs only as themselves (`signer.user` is their account name); `signer` null: the server.
	 *
	 * @param {Record<string, unknown>} doc
	 * @param {string | null} signer
	 */
	function validateConsent(doc, signer) {
		var scopeNames = [
			'about-me',
			'natural-history',
			'genetics',
			'symptoms',
			'quality-of-life',
			'medication',
			'contact-for-studies'
		];
		if (
			doc.type !== 'consent' ||
			!/^consent-\d{8}T\d{6}(\d{3})?Z-[0-9a-z]{8,32}$/.test(String(doc._id))
		) {
			throw { forbidden: 'A consent has the type consent and an id consent-<time>-<random>.' };
		}
		var who = /** @type {{ user?: unknown, name?: unknown, relation?: unknown } | null} */ (
			doc.signer
		);
		if (
			typeof who !== 'object' ||
			who === null ||
			typeof who.user !== 'string' ||
			typeof who.name !== 'string' ||
			who.name.replace(/\s+/g, '') === '' ||
			['self', 'legal-representative'].indexOf(String(who.relation)) === -1
		) {
			throw { forbidden: 'A consent names its signer, their typed name and relation.' };
		}
		if (signer !== null && who.user !== signer) {
			throw { forbidden: 'A consent is signed by the account writing it.' };
		}
		if (typeof doc.text_version !== 'string' || typeof doc.language !== 'string') {
			throw { forbidden: 'A consent names its text version and language.' };
		}
		if (typeof doc.signed_at !== 'string' || !/^\d{4}-\d\d-\d\dT/.test(doc.signed_at)) {
			throw { forbidden: 'signed_at must be ISO 8601.' };
		}
		var scopes = /** @type {Record<string, unknown> | null} */ (doc.scopes);
		if (typeof scopes !== 'object' || scopes === null || Array.isArray(scopes)) {
			throw { forbidden: 'A consent says yes or no to every scope.' };
		}
		var count = 0;
		for (var key in scopes) {
			count += 1;
			if (scopeNames.indexOf(key) === -1 || typeof scopes[key] !== 'boolean') {
				throw { forbidden: 'A consent says yes or no to every scope.' };
			}
			if (doc.withdrawal !== undefined && scopes[key] === true) {
				throw { forbidden: 'A withdrawal agrees to no scope.' };
			}
		}
		if (count !== scopeNames.length) {
			throw { forbidden: 'A consent says yes or no to every scope.' };
		}
		if (doc.withdrawal !== undefined && ['stop', 'erase'].indexOf(String(doc.withdrawal)) === -1) {
			throw { forbidden: 'A withdrawal is stop or erase.' };
		}
		var svg = doc.signature_svg;
		if (
			svg !== undefined &&
			(typeof svg !== 'string' ||
				svg.length > 32768 ||
				/<(?!\/?(svg|polyline|path)[\s>/])|&|script|href|style|on[a-z]+=/i.test(svg))
		) {
			throw { forbidden: 'A drawn signature holds only paths and polylines.' };
		}
	}

	/**
	 * Questionnaire answers (src/lib/schemas/response.ts): the FHIR resource under `resource`, its
	 * questionnaire and status repeated at the top and agreeing with it; a completed response
	 * becomes a draft again only to be amended; a kept version is never changed.
	 *
	 * @param {Record<string, unknown>} newDoc
	 * @param {Record<string, unknown> | null} oldDoc
	 */
	function validateResponse(newDoc, oldDoc) {
		/** @param {Record<string, unknown>} doc */
		function versionOf(doc) {
			var resource = /** @type {{ meta?: { versionId?: unknown } } | null} */ (doc.resource);
			var version = Number(resource && resource.meta ? resource.meta.versionId : NaN);
			return isFinite(version) ? version : 0;
		}
		var statuses = ['in-progress', 'completed', 'amended'];
		if (statuses.indexOf(String(newDoc.status)) === -1) {
			throw { forbidden: 'status must be in-progress, completed or amended.' };
		}
		if (typeof newDoc.questionnaire !== 'string' || !/^[^|]+\|[^|]+$/.test(newDoc.questionnaire)) {
			throw { forbidden: 'questionnaire must be "<url>|<version>".' };
		}
		var resource = /** @type {Record<string, unknown>} */ (newDoc.resource);
		if (
			typeof resource !== 'object' ||
			resource === null ||
			resource.resourceType !== 'QuestionnaireResponse' ||
			resource.status !== newDoc.status ||
			resource.questionnaire !== newDoc.questionnaire
		) {
			throw {
				forbidden: 'resource must be the QuestionnaireResponse, agreeing with the document.'
			};
		}
		if (!oldDoc || oldDoc._deleted) return;
		if (newDoc.type === 'response_version') {
			throw { forbidden: 'A kept version of a response is never changed.' };
		}
		var amending = /** @type {{ version_id?: unknown } | null | undefined} */ (newDoc.amending);
		var isAmending =
			typeof amending === 'object' && amending !== null && typeof amending.version_id === 'string';
		if (oldDoc.status === 'completed' || oldDoc.status === 'amended') {
			if (newDoc.status === 'in-progress' && !isAmending) {
				throw { forbidden: 'A completed response becomes a draft again only to be amended.' };
			}
			if (
				newDoc.status !== 'in-progress' &&
				JSON.stringify(newDoc.resource) !== JSON.stringify(oldDoc.resource) &&
				// A device that finished an amendment before its next push sends only the result:
				// the server never saw the draft in between, and Apache CouchDB then validates it
				// against the completed revision. The result of an amendment is `amended` with a
				// higher version (the kept version was written when the amendment started).
				!(newDoc.status === 'amended' && versionOf(newDoc) > versionOf(oldDoc))
			) {
				throw { forbidden: 'Completed answers change only through an amendment.' };
			}
		}
	}
}
