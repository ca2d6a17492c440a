/**
 * fhirpath's evaluator. In the app's build `fhirpathWithoutParser()` (vite.config.ts) resolves
 * `fhirpath` here to the package's source with `fhirpath-parse.ts` as its parser; in tests and
 * Node it is the whole package.
 */
import fhirpath from 'fhirpath';

export default fhirpath;
