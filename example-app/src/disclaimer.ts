/**
 * Topic disclaimers: an answer that touches health or finance carries
 * `disclaimer: { topic, text }` so every client (the web page, API users) can show it.
 *
 * The rule (documented in docs/operations.md "Disclaimers", tested in test/unit/ops/disclaimer.test.ts):
 * the question and the answer text are lower-cased and matched against whole-word patterns per
 * topic; the first topic in the order health, finance whose pattern matches wins. Health means
 * medical or bodily well-being (injury, first aid, symptoms, medication, pregnancy, mental
 * health, …). Finance means personal money decisions (investing, taxes, loans, pensions,
 * insurance, crypto, …) — company bookkeeping words such as "invoice" or "expense report" do not
 * count, they are handbook procedure, not advice. Sources are not matched: a retrieved chunk
 * that mentions first aid does not make a shipping answer medical.
 */
export type DisclaimerTopic = 'health' | 'finance';

export interface Disclaimer {
  topic: DisclaimerTopic;
  text: string;
}

const RULES: ReadonlyArray<{ topic: DisclaimerTopic; pattern: RegExp; text: string }> = [
  {
    topic: 'health',
    pattern:
      /\b(health|healthy|medical|medicine|medication|medicines|doctor|physician|nurse|hospital|clinic|symptoms?|diagnos\w*|injur\w*|wounds?|bleeding|burns?|first aid|pain|ill|illness|sick|disease|allerg\w*|pregnan\w*|mental|therapy|drugs?|dose|dosage|prescription)\b/,
    text: 'This answer touches a health topic. It is general information from the company handbook, not medical advice: for an injury or a medical question contact a doctor or, in an emergency, call your local emergency number.',
  },
  {
    topic: 'finance',
    pattern:
      /\b(financ\w*|invest\w*|stocks?|bonds?|crypto\w*|bitcoin|tax|taxes|taxation|loans?|mortgages?|credit score|debt|pension|retirement|401k|savings|insurance|interest rates?|dividends?)\b/,
    text: 'This answer touches a financial topic. It is general information from the company handbook, not financial, tax or investment advice: ask a qualified adviser before you decide.',
  },
];

/** The disclaimer for a question and its answer, or undefined when neither touches a topic. */
export function disclaimerFor(question: string, answer: string): Disclaimer | undefined {
  const text = `${question}\n${answer}`.toLowerCase();
  for (const r of RULES) if (r.pattern.test(text)) return { topic: r.topic, text: r.text };
  return undefined;
}

/** The response with `disclaimer` added when the rule above matches (otherwise unchanged). */
export function withDisclaimer<T extends { answer: string }>(
  response: T,
  question: string,
): T & { disclaimer?: Disclaimer } {
  const disclaimer = disclaimerFor(question, response.answer);
  return disclaimer ? { ...response, disclaimer } : response;
}
