import { ConfigError, parseConfig } from '../server/src/config';
import { connectCouch } from '../server/src/couch-connection';
import type { EmbeddedServer } from '../server/src/embedded/process';
import { DatabaseReconciler, EMBEDDED_CONCURRENCY } from '../server/src/databases/reconcile';
import { createLogger } from '../server/src/log';
import { applyCouchSetup } from './apply';
import { seedContent } from './content';
import { seedForms } from './forms';

/**
 * `npm run couch:setup`: applies couch-setup/, brings every user and patient database up to
 * date (the start-up reconciliation, run to the end here) and seeds Learn content against
 * COUCH_URL, or against the embedded data in DATA_DIR when COUCH_URL is unset (stop the server
 * first: leveldb allows one process). Exit code 1 when a content file is malformed or a
 * database could not be brought up to date.
 */
export async function runSetupCommand(env: NodeJS.ProcessEnv = process.env): Promise<number> {
	let config;
	try {
		config = parseConfig(env);
	} catch (error) {
		if (error instanceof ConfigError) {
			console.error(`Configuration error: ${error.message}`);
			return 1;
		}
		throw error;
	}
	const logger = createLogger(config.logLevel, 'couch-setup');
	let embedded: EmbeddedServer | undefined;
	try {
		const connection = await connectCouch(config, logger);
		embedded = connection.embedded;
		const couch = connection.couch;
		await couch.waitUntilReachable();
		const setup = await applyCouchSetup(couch);
		console.log(
			`couch-setup: ${setup.created} created, ${setup.updated} updated, ${setup.unchanged} unchanged`
		);
		for (const item of setup.items.filter((entry) => entry.change !== 'unchanged')) {
			console.log(`  ${item.change} ${item.item}`);
		}
		const reconciled = await new DatabaseReconciler(couch, {
			logger,
			...(embedded ? { concurrency: EMBEDDED_CONCURRENCY } : {})
		}).run();
		console.log(
			`databases: ${reconciled.checked} checked, ${reconciled.updated} updated, ` +
				`${reconciled.failed} failed, ${reconciled.skipped} skipped`
		);
		for (const failure of reconciled.failures) console.error(`  ${failure.db}: ${failure.message}`);
		const content = await seedContent(couch, config.contentDir);
		console.log(
			`content: ${content.created.length} created, ${content.updated.length} updated, ` +
				`${content.deleted.length} deleted, ${content.unchanged} unchanged, ${content.errors.length} malformed`
		);
		for (const error of content.errors) console.error(`  ${error.file}: ${error.message}`);
		const forms = await seedForms(couch);
		console.log(
			`forms: ${forms.published.length} published, ${forms.unchanged} unchanged, ` +
				`${forms.conflicts.length} changed without a new version, ${forms.errors.length} malformed`
		);
		for (const error of forms.errors) console.error(`  ${error.file}: ${error.message}`);
		for (const id of forms.conflicts) console.error(`  ${id}: differs from the published version`);
		const failed =
			reconciled.failed + content.errors.length + forms.errors.length + forms.conflicts.length;
		return failed > 0 ? 1 : 0;
	} finally {
		await embedded?.close();
	}
}
