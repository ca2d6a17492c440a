/**
 * Medication and care, version 2. Keeps v1's medicine group and its linkIds (a draft's
 * medicines migrate), adds how often (a dose can be "when needed"), whether it helps, past
 * medicines (the same group, with an end date that cannot precede the start), therapies,
 * devices and clinical trials. v1's allergy list had untranslatable plain-text options: the
 * allergies are now free text (not research-safe) and a v1 draft's choices are set aside.
 */
import { DATE_FORMAT } from './common';
import {
	group,
	item,
	options,
	questionnaire,
	same,
	unit,
	when,
	YES_CODING_SYSTEM,
	YES_NO_DONT_KNOW,
	type T
} from './author';

const FREQUENCY = 'dose-frequency';

const mg: T = same('mg');
const OTHER: T = {
	en: 'Other',
	es: 'Otra',
	ca: 'Una altra',
	fr: 'Autre',
	it: 'Altro',
	pt: 'Outra',
	ro: 'Altul',
	de: 'Andere',
	ar: 'أخرى'
};

export default questionnaire({
	name: 'medication',
	version: '2',
	date: '2026-12-07',
	consentScope: 'medication',
	title: {
		en: 'Medication and care',
		es: 'Medicación y cuidados',
		ca: 'Medicació i cures',
		fr: 'Traitements et soins',
		it: 'Farmaci e cure',
		pt: 'Medicação e cuidados',
		ro: 'Medicație și îngrijire',
		de: 'Medikamente und Versorgung',
		ar: 'الأدوية والرعاية'
	},
	items: [
		item(
			'takes',
			'boolean',
			{
				en: 'Are medicines taken for the condition, now or in the past?',
				es: '¿Se toman o se han tomado medicamentos para la enfermedad?',
				ca: 'Es prenen o s’han pres medicaments per a la malaltia?',
				fr: 'Des médicaments sont-ils ou ont-ils été pris pour la maladie ?',
				it: 'Si prendono o si sono presi farmaci per la malattia?',
				pt: 'Tomam-se ou já se tomaram medicamentos para a doença?',
				ro: 'Se iau sau s-au luat medicamente pentru această boală?',
				de: 'Werden oder wurden wegen der Erkrankung Medikamente genommen?',
				ar: 'هل تُؤخذ أو أُخذت أدوية لهذا المرض؟'
			},
			{ required: true, safe: true }
		),
		group(
			'med',
			{
				en: 'Medicines',
				es: 'Medicamentos',
				ca: 'Medicaments',
				fr: 'Médicaments',
				it: 'Farmaci',
				pt: 'Medicamentos',
				ro: 'Medicamente',
				de: 'Medikamente',
				ar: 'الأدوية'
			},
			[
				item(
					'med.name',
					'string',
					{
						en: 'Medicine (name on the box)',
						es: 'Medicamento (nombre de la caja)',
						ca: 'Medicament (nom de la capsa)',
						fr: 'Médicament (nom sur la boîte)',
						it: 'Farmaco (nome sulla confezione)',
						pt: 'Medicamento (nome na embalagem)',
						ro: 'Medicamentul (numele de pe cutie)',
						de: 'Medikament (Name auf der Packung)',
						ar: 'الدواء (الاسم على العلبة)'
					},
					{ required: true, safe: true }
				),
				item(
					'med.dose',
					'quantity',
					{
						en: 'Dose each time',
						es: 'Dosis cada vez',
						ca: 'Dosi cada vegada',
						fr: 'Dose à chaque prise',
						it: 'Dose ogni volta',
						pt: 'Dose de cada vez',
						ro: 'Doza de fiecare dată',
						de: 'Dosis pro Einnahme',
						ar: 'الجرعة في كل مرة'
					},
					{
						required: true,
						maxDecimals: 2,
						safe: true,
						units: [
							unit('mg', mg),
							unit('ug', same('µg')),
							unit('g', same('g')),
							unit('mL', {
								en: 'mL',
								es: 'ml',
								ca: 'ml',
								fr: 'ml',
								it: 'ml',
								pt: 'ml',
								ro: 'ml',
								de: 'ml',
								ar: 'مل'
							}),
							unit('[drp]', {
								en: 'drops',
								es: 'gotas',
								ca: 'gotes',
								fr: 'gouttes',
								it: 'gocce',
								pt: 'gotas',
								ro: 'picături',
								de: 'Tropfen',
								ar: 'قطرات'
							}),
							unit('{tbl}', {
								en: 'tablets',
								es: 'comprimidos',
								ca: 'comprimits',
								fr: 'comprimés',
								it: 'compresse',
								pt: 'comprimidos',
								ro: 'comprimate',
								de: 'Tabletten',
								ar: 'أقراص'
							}),
							unit('[iU]', {
								en: 'IU',
								es: 'UI',
								ca: 'UI',
								fr: 'UI',
								it: 'UI',
								pt: 'UI',
								ro: 'UI',
								de: 'IE',
								ar: 'وحدة دولية'
							})
						]
					}
				),
				item(
					'med.frequency',
					'choice',
					{
						en: 'How often',
						es: 'Con qué frecuencia',
						ca: 'Amb quina freqüència',
						fr: 'À quelle fréquence',
						it: 'Ogni quanto',
						pt: 'Com que frequência',
						ro: 'Cât de des',
						de: 'Wie oft',
						ar: 'كم مرة'
					},
					{
						control: 'radio-button',
						safe: true,
						options: options(FREQUENCY, [
							{
								code: 'daily',
								text: {
									en: 'Every day',
									es: 'Todos los días',
									ca: 'Cada dia',
									fr: 'Tous les jours',
									it: 'Ogni giorno',
									pt: 'Todos os dias',
									ro: 'În fiecare zi',
									de: 'Täglich',
									ar: 'كل يوم'
								}
							},
							{
								code: 'weekly',
								text: {
									en: 'Some days each week',
									es: 'Algunos días a la semana',
									ca: 'Alguns dies a la setmana',
									fr: 'Certains jours de la semaine',
									it: 'Alcuni giorni a settimana',
									pt: 'Alguns dias por semana',
									ro: 'Câteva zile pe săptămână',
									de: 'An einigen Tagen pro Woche',
									ar: 'بعض الأيام كل أسبوع'
								}
							},
							{
								code: 'less-often',
								text: {
									en: 'Less often (monthly, in cycles, infusions)',
									es: 'Con menos frecuencia (mensual, en ciclos, infusiones)',
									ca: 'Amb menys freqüència (mensual, en cicles, infusions)',
									fr: 'Moins souvent (mensuel, par cures, perfusions)',
									it: 'Meno spesso (mensile, a cicli, infusioni)',
									pt: 'Com menos frequência (mensal, em ciclos, perfusões)',
									ro: 'Mai rar (lunar, în cicluri, perfuzii)',
									de: 'Seltener (monatlich, in Zyklen, Infusionen)',
									ar: 'بوتيرة أقل (شهريًا، على دورات، بالتسريب)'
								}
							},
							{
								code: 'as-needed',
								text: {
									en: 'Only when needed',
									es: 'Solo cuando hace falta',
									ca: 'Només quan cal',
									fr: 'Seulement en cas de besoin',
									it: 'Solo al bisogno',
									pt: 'Só quando necessário',
									ro: 'Doar la nevoie',
									de: 'Nur bei Bedarf',
									ar: 'عند الحاجة فقط'
								}
							}
						])
					}
				),
				item(
					'med.times',
					'integer',
					{
						en: 'Times a day',
						es: 'Veces al día',
						ca: 'Vegades al dia',
						fr: 'Fois par jour',
						it: 'Volte al giorno',
						pt: 'Vezes por dia',
						ro: 'De câte ori pe zi',
						de: 'Mal pro Tag',
						ar: 'عدد المرات في اليوم'
					},
					{
						enableWhen: [when.is('med.frequency', 'daily', FREQUENCY)],
						min: { valueInteger: 1 },
						max: { valueInteger: 24 },
						safe: true
					}
				),
				item(
					'med.daily',
					'decimal',
					{
						en: 'Total each day (same unit as the dose, calculated)',
						es: 'Total al día (misma unidad que la dosis, calculado)',
						ca: 'Total al dia (mateixa unitat que la dosi, calculat)',
						fr: 'Total par jour (même unité que la dose, calculé)',
						it: 'Totale al giorno (stessa unità della dose, calcolato)',
						pt: 'Total por dia (mesma unidade da dose, calculado)',
						ro: 'Total pe zi (aceeași unitate ca doza, calculat)',
						de: 'Gesamt pro Tag (gleiche Einheit wie die Dosis, berechnet)',
						ar: 'المجموع اليومي (بوحدة الجرعة نفسها، محسوب)'
					},
					{
						readOnly: true,
						maxDecimals: 2,
						safe: true,
						enableWhen: [when.is('med.frequency', 'daily', FREQUENCY)],
						calculated: '%doseValue * %timesPerDay'
					}
				),
				item(
					'med.start',
					'date',
					{
						en: 'Started on',
						es: 'Fecha de inicio',
						ca: 'Data d’inici',
						fr: 'Commencé le',
						it: 'Iniziato il',
						pt: 'Início em',
						ro: 'Început la',
						de: 'Begonnen am',
						ar: 'تاريخ البدء'
					},
					{ format: DATE_FORMAT, safe: true }
				),
				item(
					'med.ongoing',
					'boolean',
					{
						en: 'Still taken?',
						es: '¿Se sigue tomando?',
						ca: 'Encara es pren?',
						fr: 'Toujours pris ?',
						it: 'Si prende ancora?',
						pt: 'Ainda se toma?',
						ro: 'Se mai ia?',
						de: 'Wird es noch genommen?',
						ar: 'هل ما زال يؤخذ؟'
					},
					{ safe: true }
				),
				item(
					'med.end',
					'date',
					{
						en: 'Stopped on',
						es: 'Fecha en que se dejó',
						ca: 'Data en què es va deixar',
						fr: 'Arrêté le',
						it: 'Interrotto il',
						pt: 'Parou em',
						ro: 'Oprit la',
						de: 'Abgesetzt am',
						ar: 'تاريخ التوقف'
					},
					{
						enableWhen: [when.no('med.ongoing')],
						format: DATE_FORMAT,
						safe: true,
						constraints: [
							{
								key: 'stopped-after-started',
								expression: 'answer.value >= %started',
								human: {
									en: 'It cannot stop before it started.',
									es: 'No se puede dejar antes de empezar.',
									ca: 'No es pot deixar abans de començar.',
									fr: 'L’arrêt ne peut pas précéder le début.',
									it: 'Non può essere interrotto prima di iniziare.',
									pt: 'Não pode parar antes de começar.',
									ro: 'Nu poate fi oprit înainte de a începe.',
									de: 'Es kann nicht vor dem Beginn abgesetzt worden sein.',
									ar: 'لا يمكن التوقف قبل البدء.'
								}
							}
						]
					}
				),
				item(
					'med.helps',
					'choice',
					{
						en: 'Does it help?',
						es: '¿Ayuda?',
						ca: 'Ajuda?',
						fr: 'Est-ce que cela aide ?',
						it: 'Aiuta?',
						pt: 'Ajuda?',
						ro: 'Ajută?',
						de: 'Hilft es?',
						ar: 'هل يساعد؟'
					},
					{
						control: 'radio-button',
						safe: true,
						options: options('treatment-effect', [
							{
								code: 'a-lot',
								text: {
									en: 'A lot',
									es: 'Mucho',
									ca: 'Molt',
									fr: 'Beaucoup',
									it: 'Molto',
									pt: 'Muito',
									ro: 'Mult',
									de: 'Sehr',
									ar: 'كثيرًا'
								}
							},
							{
								code: 'a-little',
								text: {
									en: 'A little',
									es: 'Un poco',
									ca: 'Una mica',
									fr: 'Un peu',
									it: 'Un po’',
									pt: 'Um pouco',
									ro: 'Puțin',
									de: 'Etwas',
									ar: 'قليلًا'
								}
							},
							{
								code: 'no',
								text: {
									en: 'No',
									es: 'No',
									ca: 'No',
									fr: 'Non',
									it: 'No',
									pt: 'Não',
									ro: 'Nu',
									de: 'Nein',
									ar: 'لا'
								}
							},
							{
								code: 'too-early',
								text: {
									en: 'Too early to say',
									es: 'Es pronto para saberlo',
									ca: 'És aviat per saber-ho',
									fr: 'Trop tôt pour le dire',
									it: 'È presto per dirlo',
									pt: 'É cedo para dizer',
									ro: 'E prea devreme de spus',
									de: 'Noch zu früh',
									ar: 'من المبكر معرفة ذلك'
								}
							}
						])
					}
				),
				item(
					'med.side-effects',
					'string',
					{
						en: 'Side effects noticed',
						es: 'Efectos secundarios notados',
						ca: 'Efectes secundaris observats',
						fr: 'Effets indésirables remarqués',
						it: 'Effetti collaterali notati',
						pt: 'Efeitos secundários notados',
						ro: 'Efecte adverse observate',
						de: 'Bemerkte Nebenwirkungen',
						ar: 'الآثار الجانبية الملاحظة'
					},
					{ repeats: true }
				)
			],
			{
				repeats: true,
				enableWhen: [when.yes('takes')],
				variables: [
					{ name: 'doseValue', expression: "item.where(linkId='med.dose').answer.value.value" },
					{ name: 'timesPerDay', expression: "item.where(linkId='med.times').answer.value" },
					{ name: 'started', expression: "item.where(linkId='med.start').answer.value" }
				]
			}
		),
		item(
			'allergies',
			'string',
			{
				en: 'Known medicine allergies',
				es: 'Alergias conocidas a medicamentos',
				ca: 'Al·lèrgies conegudes a medicaments',
				fr: 'Allergies connues à des médicaments',
				it: 'Allergie note ai farmaci',
				pt: 'Alergias conhecidas a medicamentos',
				ro: 'Alergii cunoscute la medicamente',
				de: 'Bekannte Medikamentenallergien',
				ar: 'الحساسية المعروفة تجاه الأدوية'
			},
			{ repeats: true }
		),
		item(
			'therapies',
			'choice',
			{
				en: 'Therapies, now or in the past',
				es: 'Terapias, actuales o pasadas',
				ca: 'Teràpies, actuals o passades',
				fr: 'Thérapies, actuelles ou passées',
				it: 'Terapie, attuali o passate',
				pt: 'Terapias, atuais ou passadas',
				ro: 'Terapii, actuale sau din trecut',
				de: 'Therapien, jetzt oder früher',
				ar: 'العلاجات، الحالية أو السابقة'
			},
			{
				repeats: true,
				control: 'check-box',
				safe: true,
				options: options('therapy', [
					{
						code: 'physiotherapy',
						text: {
							en: 'Physiotherapy',
							es: 'Fisioterapia',
							ca: 'Fisioteràpia',
							fr: 'Kinésithérapie',
							it: 'Fisioterapia',
							pt: 'Fisioterapia',
							ro: 'Fizioterapie',
							de: 'Physiotherapie',
							ar: 'العلاج الطبيعي'
						}
					},
					{
						code: 'occupational',
						text: {
							en: 'Occupational therapy',
							es: 'Terapia ocupacional',
							ca: 'Teràpia ocupacional',
							fr: 'Ergothérapie',
							it: 'Terapia occupazionale',
							pt: 'Terapia ocupacional',
							ro: 'Terapie ocupațională',
							de: 'Ergotherapie',
							ar: 'العلاج الوظيفي'
						}
					},
					{
						code: 'speech',
						text: {
							en: 'Speech and language therapy',
							es: 'Logopedia',
							ca: 'Logopèdia',
							fr: 'Orthophonie',
							it: 'Logopedia',
							pt: 'Terapia da fala',
							ro: 'Logopedie',
							de: 'Logopädie',
							ar: 'علاج النطق واللغة'
						}
					},
					{
						code: 'psychology',
						text: {
							en: 'Psychological support',
							es: 'Apoyo psicológico',
							ca: 'Suport psicològic',
							fr: 'Soutien psychologique',
							it: 'Supporto psicologico',
							pt: 'Apoio psicológico',
							ro: 'Sprijin psihologic',
							de: 'Psychologische Unterstützung',
							ar: 'الدعم النفسي'
						}
					},
					{
						code: 'diet',
						text: {
							en: 'Special diet or nutrition',
							es: 'Dieta especial o nutrición',
							ca: 'Dieta especial o nutrició',
							fr: 'Régime ou nutrition spécifique',
							it: 'Dieta speciale o nutrizione',
							pt: 'Dieta especial ou nutrição',
							ro: 'Dietă specială sau nutriție',
							de: 'Spezielle Diät oder Ernährung',
							ar: 'نظام غذائي خاص أو تغذية'
						}
					},
					{
						code: 'early-intervention',
						text: {
							en: 'Early intervention',
							es: 'Atención temprana',
							ca: 'Atenció precoç',
							fr: 'Prise en charge précoce',
							it: 'Intervento precoce',
							pt: 'Intervenção precoce',
							ro: 'Intervenție timpurie',
							de: 'Frühförderung',
							ar: 'التدخل المبكر'
						}
					},
					{ code: 'other', text: OTHER }
				])
			}
		),
		item(
			'devices',
			'choice',
			{
				en: 'Aids and devices used',
				es: 'Ayudas técnicas y dispositivos que se usan',
				ca: 'Ajudes tècniques i dispositius que es fan servir',
				fr: 'Aides techniques et appareils utilisés',
				it: 'Ausili e dispositivi usati',
				pt: 'Ajudas técnicas e dispositivos usados',
				ro: 'Dispozitive și mijloace ajutătoare folosite',
				de: 'Genutzte Hilfsmittel und Geräte',
				ar: 'الوسائل والأجهزة المساعدة المستخدمة'
			},
			{
				repeats: true,
				control: 'check-box',
				safe: true,
				options: options('device', [
					{
						code: 'wheelchair',
						text: {
							en: 'Wheelchair or buggy',
							es: 'Silla de ruedas o silla adaptada',
							ca: 'Cadira de rodes o cadira adaptada',
							fr: 'Fauteuil roulant ou poussette adaptée',
							it: 'Sedia a rotelle o passeggino adattato',
							pt: 'Cadeira de rodas ou carrinho adaptado',
							ro: 'Scaun cu rotile sau cărucior adaptat',
							de: 'Rollstuhl oder Reha-Buggy',
							ar: 'كرسي متحرك أو عربة مكيّفة'
						}
					},
					{
						code: 'walking-aid',
						text: {
							en: 'Walking aid or orthoses',
							es: 'Ayuda para caminar u órtesis',
							ca: 'Ajuda per caminar o òrtesis',
							fr: 'Aide à la marche ou orthèses',
							it: 'Ausilio per camminare o ortesi',
							pt: 'Auxiliar de marcha ou ortóteses',
							ro: 'Cadru de mers sau orteze',
							de: 'Gehhilfe oder Orthesen',
							ar: 'وسيلة مساعدة على المشي أو جبائر'
						}
					},
					{
						code: 'feeding-tube',
						text: {
							en: 'Feeding tube',
							es: 'Sonda de alimentación',
							ca: 'Sonda d’alimentació',
							fr: 'Sonde d’alimentation',
							it: 'Sondino o PEG per l’alimentazione',
							pt: 'Sonda de alimentação',
							ro: 'Sondă de alimentație',
							de: 'Ernährungssonde',
							ar: 'أنبوب تغذية'
						}
					},
					{
						code: 'breathing',
						text: {
							en: 'Breathing support or oxygen',
							es: 'Ayuda respiratoria u oxígeno',
							ca: 'Suport respiratori o oxigen',
							fr: 'Assistance respiratoire ou oxygène',
							it: 'Supporto respiratorio o ossigeno',
							pt: 'Apoio respiratório ou oxigénio',
							ro: 'Suport respirator sau oxigen',
							de: 'Atemunterstützung oder Sauerstoff',
							ar: 'دعم تنفسي أو أكسجين'
						}
					},
					{
						code: 'hearing-vision',
						text: {
							en: 'Hearing or vision aids',
							es: 'Audífonos o ayudas visuales',
							ca: 'Audiòfons o ajudes visuals',
							fr: 'Aides auditives ou visuelles',
							it: 'Apparecchi acustici o ausili visivi',
							pt: 'Aparelhos auditivos ou ajudas visuais',
							ro: 'Proteze auditive sau ajutoare vizuale',
							de: 'Hör- oder Sehhilfen',
							ar: 'معينات سمعية أو بصرية'
						}
					},
					{
						code: 'communication',
						text: {
							en: 'Communication aid',
							es: 'Sistema de comunicación aumentativa',
							ca: 'Sistema de comunicació augmentativa',
							fr: 'Aide à la communication',
							it: 'Ausilio per la comunicazione',
							pt: 'Sistema de comunicação aumentativa',
							ro: 'Dispozitiv de comunicare',
							de: 'Kommunikationshilfe',
							ar: 'وسيلة مساعدة على التواصل'
						}
					},
					{ code: 'other', text: OTHER }
				])
			}
		),
		item(
			'trial',
			'choice',
			{
				en: 'Has there been a clinical trial (a study of a treatment)?',
				es: '¿Se ha participado en algún ensayo clínico (estudio de un tratamiento)?',
				ca: 'S’ha participat en algun assaig clínic (estudi d’un tractament)?',
				fr: 'Y a-t-il eu une participation à un essai clinique (étude d’un traitement) ?',
				it: 'C’è stata la partecipazione a una sperimentazione clinica (studio di una cura)?',
				pt: 'Houve participação num ensaio clínico (estudo de um tratamento)?',
				ro: 'A existat participarea la un studiu clinic (studiul unui tratament)?',
				de: 'Gab es eine Teilnahme an einer klinischen Studie (Prüfung einer Behandlung)?',
				ar: 'هل كانت هناك مشاركة في تجربة سريرية (دراسة لعلاج)؟'
			},
			{ valueSet: YES_NO_DONT_KNOW, control: 'radio-button', safe: true }
		),
		group(
			'trial.entry',
			{
				en: 'Clinical trials',
				es: 'Ensayos clínicos',
				ca: 'Assajos clínics',
				fr: 'Essais cliniques',
				it: 'Sperimentazioni cliniche',
				pt: 'Ensaios clínicos',
				ro: 'Studii clinice',
				de: 'Klinische Studien',
				ar: 'التجارب السريرية'
			},
			[
				item('trial.name', 'string', {
					en: 'Name of the trial or of the treatment studied',
					es: 'Nombre del ensayo o del tratamiento estudiado',
					ca: 'Nom de l’assaig o del tractament estudiat',
					fr: 'Nom de l’essai ou du traitement étudié',
					it: 'Nome della sperimentazione o della cura studiata',
					pt: 'Nome do ensaio ou do tratamento estudado',
					ro: 'Numele studiului sau al tratamentului studiat',
					de: 'Name der Studie oder der geprüften Behandlung',
					ar: 'اسم التجربة أو العلاج المدروس'
				}),
				item(
					'trial.id',
					'string',
					{
						en: 'Trial number, if known (NCT… or EU CT)',
						es: 'Número del ensayo, si se conoce (NCT… o EU CT)',
						ca: 'Número de l’assaig, si se sap (NCT… o EU CT)',
						fr: 'Numéro de l’essai, s’il est connu (NCT… ou EU CT)',
						it: 'Numero della sperimentazione, se noto (NCT… o EU CT)',
						pt: 'Número do ensaio, se souber (NCT… ou EU CT)',
						ro: 'Numărul studiului, dacă îl știi (NCT… sau EU CT)',
						de: 'Studiennummer, falls bekannt (NCT… oder EU CT)',
						ar: 'رقم التجربة إن كان معروفًا (NCT… أو EU CT)'
					},
					{
						regex: 'NCT[0-9]{8}|[0-9]{4}-[0-9]{6}-[0-9]{2}(-[0-9]{2})?',
						format: same('NCT01234567'),
						safe: true
					}
				),
				item(
					'trial.start',
					'date',
					{
						en: 'Joined on',
						es: 'Fecha de entrada',
						ca: 'Data d’entrada',
						fr: 'Date d’entrée dans l’essai',
						it: 'Data di ingresso',
						pt: 'Data de entrada',
						ro: 'Data intrării',
						de: 'Teilnahme seit',
						ar: 'تاريخ الانضمام'
					},
					{ format: DATE_FORMAT, safe: true }
				),
				item(
					'trial.ongoing',
					'boolean',
					{
						en: 'Still taking part?',
						es: '¿Se sigue participando?',
						ca: 'Encara s’hi participa?',
						fr: 'Participation toujours en cours ?',
						it: 'La partecipazione è ancora in corso?',
						pt: 'Ainda participa?',
						ro: 'Participarea continuă?',
						de: 'Läuft die Teilnahme noch?',
						ar: 'هل ما زالت المشاركة مستمرة؟'
					},
					{ safe: true }
				)
			],
			{ repeats: true, enableWhen: [when.is('trial', 'Y', YES_CODING_SYSTEM)] }
		)
	]
});
