/**
 * The FHIR R4 Questionnaire engine: pure functions and one state class, no framework, no
 * storage. FHIRPath (`fhirpath`, ~200 KB gz) is loaded by dynamic import only for
 * questionnaires that use expressions.
 */
export * from './fhir';
export {
	analyze,
	analyzeDeeply,
	UNSUPPORTED_KINDS,
	type UnsupportedFeature,
	type UnsupportedKind
} from './analyze';
export {
	compileQuestionnaire,
	requirement,
	FormDefinitionError,
	type FormDefinition,
	type ItemDefinition
} from './definition';
export {
	createDraft,
	openResponse,
	FormEngine,
	FormEngineError,
	type StrayItem,
	type ResponseMeta
} from './engine';
export { parsePath } from './paths';
export { loadFhirPath, ExpressionError, type FhirPathEvaluator } from './expressions';
export { EXT, ITEM_CONTROLS, pickTranslation, type ItemControl } from './extensions';
export {
	validateAnswers,
	parseAnswerInput,
	formatBound,
	blockingErrors,
	type FormError
} from './validate';
export { validateResponse, type ResponseIssue } from './response-check';
export {
	amendResponse,
	migrateDraft,
	summariseChanges,
	FormVersionError,
	type ChangeSummary,
	type SetAside
} from './versions';
export {
	itemText,
	itemEntryFormat,
	formTitle,
	optionLabel,
	codingLabel,
	textSubjectOf,
	type TextContext
} from './text';
export type { TextSubject } from './definition';
export { BUNDLED_VALUE_SETS, bundledValueSet } from './value-sets';
