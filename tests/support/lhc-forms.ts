import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from '@playwright/test';
import { CHROMIUM } from '../e2e/support/chromium';

/**
 * LHC-Forms (the `lforms` devDependency, the NLM's reference renderer) in Debian's Chromium, for
 * the differential test of the forms engine (#22). The app never imports it: its files are
 * served to a blank page of a made-up origin by Playwright's router, nothing is built.
 */

const DIST = fileURLToPath(new URL('../../node_modules/lforms/dist/lforms/', import.meta.url));
const ORIGIN = 'http://lhc-forms.test';

// The web component's modules run deferred, so the FHIR part (which needs `LForms`) is deferred
// after them. Scripts must be served as UTF-8: the FHIRPath parser's serialized grammar is not
// ASCII and refuses to load when decoded as Latin-1.
const PAGE = `<!doctype html><html><head><meta charset="utf-8"></head><body><div id="form"></div>
<script src="/webcomponent/assets/lib/zone.min.js"></script>
<script src="/webcomponent/runtime.js" type="module"></script>
<script src="/webcomponent/polyfills.js" type="module"></script>
<script src="/webcomponent/main.js" type="module"></script>
<script src="/fhir/lformsFHIRAll.min.js" defer></script></body></html>`;

/** One node of the form as LHC-Forms holds it: its place, and whether it is shown. */
export interface LhcNode {
	/** linkIds from the root, each with its instance number among same-linkId siblings. */
	place: [string, number][];
	enabled: boolean;
}

export interface LhcResult {
	nodes: LhcNode[];
	/** The QuestionnaireResponse LHC-Forms writes for the form as loaded. */
	response: { item?: unknown[] };
	/** Why LHC-Forms refused to open the form, if it did. */
	refused?: string;
	/** What LHC-Forms logged as an error or warning while loading. */
	messages: string[];
}

export class LhcForms {
	#browser: Browser;
	#page: Page;
	#messages: string[] = [];
	readonly version: string;

	private constructor(browser: Browser, page: Page, version: string) {
		this.#browser = browser;
		this.#page = page;
		this.version = version;
		page.on('console', (message) => {
			if (message.type() === 'error' || message.type() === 'warning')
				this.#messages.push(message.text());
		});
		page.on('pageerror', (error) => this.#messages.push(error.message));
	}

	static async launch(): Promise<LhcForms> {
		const browser = await chromium.launch(CHROMIUM);
		try {
			const page = await browser.newPage();
			await page.route(`${ORIGIN}/**`, async (route) => {
				const { pathname } = new URL(route.request().url());
				if (pathname === '/')
					return route.fulfill({ contentType: 'text/html; charset=utf-8', body: PAGE });
				if (pathname.includes('..')) return route.fulfill({ status: 404 });
				let body: Buffer;
				try {
					body = readFileSync(DIST + pathname.slice(1));
				} catch {
					return route.fulfill({ status: 404 });
				}
				const contentType = pathname.endsWith('.js')
					? 'text/javascript; charset=utf-8'
					: pathname.endsWith('.css')
						? 'text/css; charset=utf-8'
						: 'application/octet-stream';
				return route.fulfill({ contentType, body });
			});
			await page.goto(`${ORIGIN}/`);
			await page.waitForFunction(
				() => {
					const forms = (window as unknown as { LForms?: { Util?: unknown; FHIR?: unknown } })
						.LForms;
					return Boolean(forms?.Util && forms.FHIR);
				},
				undefined,
				{ timeout: 120_000 }
			);
			const version = await page.evaluate(
				() => (window as unknown as { LForms: { lformsVersion: string } }).LForms.lformsVersion
			);
			return new LhcForms(browser, page, version);
		} catch (error) {
			await browser.close();
			throw error;
		}
	}

	/** Opens `questionnaire` with `response`'s answers, as a person reopening a draft would. */
	async open(questionnaire: unknown, response: unknown): Promise<LhcResult> {
		this.#messages = [];
		const result = await this.#page.evaluate(
			async ({ questionnaire, response }) => {
				interface Item {
					linkId: string;
					items?: Item[];
					dataType?: string;
					_skipLogicStatus?: string;
				}
				const forms = (
					window as unknown as {
						LForms: {
							Util: {
								addFormToPage(q: unknown, el: HTMLElement, options: unknown): Promise<void>;
								getFormFHIRData(kind: string, version: string, el: HTMLElement): unknown;
							};
						};
					}
				).LForms;
				const container = document.getElementById('form')!;
				try {
					await forms.Util.addFormToPage(questionnaire, container, {
						fhirVersion: 'R4',
						questionnaireResponse: response
					});
				} catch (error) {
					const reasons = (Array.isArray(error) ? error : [error]).map((reason) =>
						reason instanceof Error ? reason.message : JSON.stringify(reason)
					);
					return { nodes: [], response: {}, refused: reasons.join('; ') };
				}
				// Expressions run after the form is ready; let them settle.
				await new Promise((resolve) => setTimeout(resolve, 100));
				const element = container.querySelector('wc-lhc-form') as unknown as {
					lhcFormData: { items: Item[] };
				};
				const nodes: { place: [string, number][]; enabled: boolean }[] = [];
				const walk = (items: Item[], place: [string, number][], enabled: boolean) => {
					const seen = new Map<string, number>();
					for (const item of items) {
						// A repeating question is one item per answer here, one node with several
						// answers in the engine: the later copies are left out (they share the
						// question's enabled state). Instances are counted for groups only.
						const count = seen.get(item.linkId) ?? 0;
						seen.set(item.linkId, count + 1);
						const group = item.dataType === 'SECTION';
						if (!group && count > 0) continue;
						const index = group ? count : 0;
						const here: [string, number][] = [...place, [item.linkId, index]];
						const on = enabled && item._skipLogicStatus !== 'target-disabled';
						nodes.push({ place: here, enabled: on });
						walk(item.items ?? [], here, on);
					}
				};
				walk(element.lhcFormData.items, [], true);
				const written = forms.Util.getFormFHIRData('QuestionnaireResponse', 'R4', container);
				return { nodes, response: written as { item?: unknown[] } };
			},
			{ questionnaire, response }
		);
		return { ...result, messages: [...this.#messages] };
	}

	async close(): Promise<void> {
		await this.#browser.close();
	}
}
