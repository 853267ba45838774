import type { CheckReport } from '../check/check-leaks.js';
import { InputError } from '../errors.js';

/** Placeholder until the HTML report lands: says so instead of writing a fake report. */
export async function writeCheckHtml(_report: CheckReport, file: string): Promise<void> {
  throw new InputError(`${file}: HTML reports are not available in this version yet`);
}
