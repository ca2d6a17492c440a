import type { ConsentText } from '../../types';

const text: ConsentText = {
	title: 'Donare i tuoi dati alla ricerca',
	intro: [
		'Puoi scegliere di condividere alcune delle tue risposte con ricercatori sulle malattie rare. È volontario: dire di no non cambia nulla nell’uso dell’app.',
		'Ciò che viene condiviso non contiene mai il tuo nome, nome utente, e-mail o data di nascita esatta. I ricercatori vedono un codice al posto tuo, la tua età in anni e il tuo paese.',
		'Scegli ogni tipo di dato separatamente e puoi cambiare idea o ritirarti in qualsiasi momento, anche offline.'
	],
	scopes: {
		'about-me': {
			title: 'La persona',
			explanation: 'Età in anni, sesso e paese, per confrontare gruppi di persone.'
		},
		'natural-history': {
			title: 'Come si è sviluppata la malattia',
			explanation:
				'Quando sono comparsi i primi segni, quando e dove è arrivata la diagnosi, specialisti consultati e ricoveri.'
		},
		genetics: {
			title: 'Risultati genetici',
			explanation: 'I geni e le varianti dei tuoi test, per trovare persone con la stessa causa.'
		},
		symptoms: {
			title: 'Sintomi',
			explanation:
				'I sintomi che indichi, codificati con un vocabolario medico comune, con inizio e intensità.'
		},
		'quality-of-life': {
			title: 'Qualità della vita',
			explanation:
				'Come vanno la vita quotidiana, il dolore, la stanchezza, il sonno, l’umore, la scuola o il lavoro.'
		},
		medication: {
			title: 'Farmaci e terapie',
			explanation:
				'Farmaci con le dosi, terapie, dispositivi e sperimentazioni cliniche a cui partecipi.'
		},
		'contact-for-studies': {
			title: 'Essere informati sugli studi',
			explanation:
				'I ricercatori possono chiederti, tramite l’app, se vuoi sapere di uno studio adatto. Non ricevono mai i tuoi contatti.'
		}
	},
	questions: [
		{
			question: 'I ricercatori vedranno il tuo nome?',
			options: ['Sì', 'No, vedono un codice al suo posto'],
			correct: 1,
			explanation: 'Nomi, nomi utente, e-mail e date di nascita esatte non vengono mai condivisi.'
		},
		{
			question: 'Puoi cambiare idea in seguito?',
			options: ['Sì, in qualsiasi momento', 'No, la scelta è definitiva'],
			correct: 0,
			explanation: 'Puoi modificare le tue scelte o ritirarti quando vuoi.'
		},
		{
			question: 'Se ti ritiri e scegli «cancella», cosa succede a ciò che è stato condiviso?',
			options: ['Resta ai ricercatori', 'Viene rimosso dal database della ricerca'],
			correct: 1,
			explanation:
				'«Cancella» rimuove ciò che è stato condiviso; «interrompi» ferma solo le nuove condivisioni.'
		}
	],
	withdraw: {
		stop: 'Interrompi: da ora non si condivide nulla di nuovo. Ciò che è già stato condiviso resta nella ricerca.',
		erase:
			'Cancella: non si condivide nulla di nuovo e tutto ciò che è stato condiviso viene rimosso dalla ricerca.'
	},
	declarationSelf:
		'Ho letto questa spiegazione e accetto di condividere i tipi di dati che ho scelto, come descritto.',
	declarationRepresentative:
		'Sono il rappresentante legale della persona di cui mi prendo cura. Ho letto questa spiegazione e accetto, a suo nome, di condividere i tipi di dati che ho scelto, come descritto.'
};

export default text;
