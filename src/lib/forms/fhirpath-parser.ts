/**
 * fhirpath's parser (antlr4 and the generated FHIRPath grammar), loaded only for an expression
 * that was not parsed beforehand. In the app's build `fhirpathWithoutParser()` (vite.config.ts)
 * resolves `fhirpath` here to the package's parser module alone, which exports `{ parse }` too.
 */
import fhirpath from 'fhirpath';

export const parse: (expression: string) => unknown = fhirpath.parse;
