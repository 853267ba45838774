import { InputError } from '../errors.js';

/** Placeholder until the HTML report lands: says so instead of writing a fake report. */
export async function writeHtmlFromCapture(_dir: string, file: string): Promise<void> {
  throw new InputError(`${file}: HTML reports are not available in this version yet`);
}
