import type { ConsentText } from '../../types';

const text: ConsentText = {
	title: 'Ihre Daten der Forschung spenden',
	intro: [
		'Sie können einige Ihrer Antworten mit Forschenden zu seltenen Erkrankungen teilen. Das ist freiwillig: Ein Nein ändert nichts daran, wie Sie die App nutzen.',
		'Was geteilt wird, enthält nie Ihren Namen, Benutzernamen, Ihre E-Mail oder Ihr genaues Geburtsdatum. Forschende sehen statt Ihrer einen Code, Ihr Alter in Jahren und Ihr Land.',
		'Sie wählen jede Art von Daten einzeln und können Ihre Meinung jederzeit ändern oder zurückziehen, auch offline.'
	],
	scopes: {
		'about-me': {
			title: 'Zur Person',
			explanation: 'Alter in Jahren, Geschlecht und Land, um Gruppen von Menschen zu vergleichen.'
		},
		'natural-history': {
			title: 'Verlauf der Erkrankung',
			explanation:
				'Wann die ersten Anzeichen auftraten, wann und wo die Diagnose kam, welche Fachärzte und Klinikaufenthalte.'
		},
		genetics: {
			title: 'Genetische Befunde',
			explanation:
				'Die Gene und Varianten aus Ihren Tests, um Menschen mit derselben Ursache zu finden.'
		},
		symptoms: {
			title: 'Symptome',
			explanation:
				'Die Symptome, die Sie angeben, mit einem gemeinsamen medizinischen Vokabular kodiert, mit Beginn und Stärke.'
		},
		'quality-of-life': {
			title: 'Lebensqualität',
			explanation:
				'Wie es mit Alltag, Schmerzen, Müdigkeit, Schlaf, Stimmung, Schule oder Arbeit geht.'
		},
		medication: {
			title: 'Medikamente und Therapien',
			explanation:
				'Medikamente mit Dosis, Therapien, Hilfsmittel und klinische Studien, an denen Sie teilnehmen.'
		},
		'contact-for-studies': {
			title: 'Hinweise auf Studien',
			explanation:
				'Forschende können Sie über die App fragen, ob Sie von einer passenden Studie hören möchten. Ihre Kontaktdaten erhalten sie nie.'
		}
	},
	questions: [
		{
			question: 'Sehen Forschende Ihren Namen?',
			options: ['Ja', 'Nein, sie sehen stattdessen einen Code'],
			correct: 1,
			explanation: 'Namen, Benutzernamen, E-Mails und genaue Geburtsdaten werden nie geteilt.'
		},
		{
			question: 'Können Sie Ihre Meinung später ändern?',
			options: ['Ja, jederzeit', 'Nein, die Wahl ist endgültig'],
			correct: 0,
			explanation: 'Sie können Ihre Auswahl jederzeit ändern oder zurückziehen.'
		},
		{
			question: 'Was geschieht mit dem Geteilten, wenn Sie mit „Löschen“ zurückziehen?',
			options: ['Es bleibt bei den Forschenden', 'Es wird aus der Forschungsdatenbank entfernt'],
			correct: 1,
			explanation: '„Löschen“ entfernt das Geteilte; „Beenden“ stoppt nur neues Teilen.'
		}
	],
	withdraw: {
		stop: 'Beenden: Ab jetzt wird nichts Neues geteilt. Bereits Geteiltes bleibt in der Forschung.',
		erase:
			'Löschen: Nichts Neues wird geteilt und alles bisher Geteilte wird aus der Forschung entfernt.'
	},
	declarationSelf:
		'Ich habe diese Erklärung gelesen und bin einverstanden, die gewählten Arten von Daten wie beschrieben zu teilen.',
	declarationRepresentative:
		'Ich bin die gesetzliche Vertretung der Person, die ich betreue. Ich habe diese Erklärung gelesen und bin in ihrem Namen einverstanden, die gewählten Arten von Daten wie beschrieben zu teilen.'
};

export default text;
