import type { ConsentText } from '../../types';

const text: ConsentText = {
	title: 'Donar tus datos a la investigación',
	intro: [
		'Puedes elegir compartir algunas de tus respuestas con investigadores de enfermedades raras. Es voluntario: decir que no no cambia nada en tu uso de la aplicación.',
		'Lo que se comparte nunca lleva tu nombre, usuario, correo ni fecha de nacimiento exacta. Los investigadores ven un código en lugar de ti, tu edad en años y tu país.',
		'Eliges cada tipo de dato por separado y puedes cambiar de opinión o retirarte cuando quieras, incluso sin conexión.'
	],
	scopes: {
		'about-me': {
			title: 'Sobre la persona',
			explanation: 'Edad en años, sexo y país, para comparar grupos de personas.'
		},
		'natural-history': {
			title: 'Cómo evolucionó la enfermedad',
			explanation:
				'Cuándo aparecieron los primeros signos, cuándo y dónde llegó el diagnóstico, especialistas consultados e ingresos.'
		},
		genetics: {
			title: 'Resultados genéticos',
			explanation:
				'Los genes y variantes de tus pruebas, para encontrar personas con la misma causa.'
		},
		symptoms: {
			title: 'Síntomas',
			explanation:
				'Los síntomas que anotas, codificados con un vocabulario médico común, con su inicio e intensidad.'
		},
		'quality-of-life': {
			title: 'Calidad de vida',
			explanation:
				'Cómo van el día a día, el dolor, el cansancio, el sueño, el ánimo, los estudios o el trabajo.'
		},
		medication: {
			title: 'Medicamentos y terapias',
			explanation:
				'Medicamentos con sus dosis, terapias, dispositivos y ensayos clínicos en los que participas.'
		},
		'contact-for-studies': {
			title: 'Avisos de estudios',
			explanation:
				'Los investigadores pueden preguntarte, a través de la aplicación, si quieres saber de un estudio adecuado. Nunca reciben tus datos de contacto.'
		}
	},
	questions: [
		{
			question: '¿Verán los investigadores tu nombre?',
			options: ['Sí', 'No, ven un código en su lugar'],
			correct: 1,
			explanation: 'Nunca se comparten nombres, usuarios, correos ni fechas de nacimiento exactas.'
		},
		{
			question: '¿Puedes cambiar de opinión más adelante?',
			options: ['Sí, cuando quiera', 'No, la decisión es definitiva'],
			correct: 0,
			explanation: 'Puedes cambiar tus opciones o retirarte cuando quieras.'
		},
		{
			question: 'Si te retiras y eliges «borrar», ¿qué pasa con lo compartido?',
			options: [
				'Se queda con los investigadores',
				'Se elimina de la base de datos de investigación'
			],
			correct: 1,
			explanation: '«Borrar» elimina lo compartido; «parar» solo detiene lo nuevo.'
		}
	],
	withdraw: {
		stop: 'Parar: desde ahora no se comparte nada nuevo. Lo ya compartido sigue en la investigación.',
		erase:
			'Borrar: no se comparte nada nuevo y todo lo compartido hasta ahora se elimina de la investigación.'
	},
	declarationSelf:
		'He leído esta explicación y acepto compartir los tipos de datos que he elegido, tal como se describe.',
	declarationRepresentative:
		'Soy el representante legal de la persona a la que cuido. He leído esta explicación y acepto, en su nombre, compartir los tipos de datos que he elegido, tal como se describe.'
};

export default text;
