import { writeHtmlReport } from '../report/html/write-html-report.js';

/** `run --html FILE` / `attach --html FILE`: the finished capture folder as an HTML report. */
export async function writeHtmlFromCapture(dir: string, file: string): Promise<void> {
  await writeHtmlReport(dir, file);
}
