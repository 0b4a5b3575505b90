import { describe, expect, it } from 'vitest';
import { disclaimerFor, withDisclaimer } from '../../../example-app/src/disclaimer.js';

describe('topic disclaimer rule (example-app/src/disclaimer.ts)', () => {
  it.each([
    ['What first aid should I give for a burn?', '', 'health'],
    ['Who do I tell about an injury at work?', '', 'health'],
    ['Can I take medication before operating the forklift?', '', 'health'],
    ['What do I do after an accident?', 'Report every injury in SafetyHub within 24 hours.', 'health'],
    ['Should I invest my bonus in stocks?', '', 'finance'],
    ['How are taxes on the pension handled?', '', 'finance'],
    ['Is crypto a good idea?', '', 'finance'],
    ['What interest rate does the company loan have?', '', 'finance'],
  ])('%j (answer %j) → %s', (q, a, topic) => {
    const d = disclaimerFor(q, a);
    expect(d?.topic).toBe(topic);
    expect(d?.text).toMatch(/not (medical|financial)/);
  });

  it.each([
    'How long is the warranty on the Heron H1?',
    'How do I submit an invoice?',
    'What is the restocking fee for returned robots?',
    'How do I file a travel expense report?',
    'Will the firmware update reboot the robot?', // "will" must not match "ill"
    'Where is the emergency stop button?',
  ])('%j carries no disclaimer', (q) => {
    expect(disclaimerFor(q, 'The answer. [doc#chunk]')).toBeUndefined();
  });

  it('health wins over finance when both match (the order of the rule)', () => {
    expect(disclaimerFor('Does the health insurance cover a doctor?', '')?.topic).toBe('health');
  });

  it('is case-insensitive and matches whole words only', () => {
    expect(disclaimerFor('FIRST AID kit location', '')?.topic).toBe('health');
    expect(disclaimerFor('taxonomy of spare parts', '')).toBeUndefined();
  });

  it('withDisclaimer adds the field only when the rule matches and keeps the response', () => {
    const r = { answer: 'Ship within 5 days.', costUsd: 0 };
    expect(withDisclaimer(r, 'shipping time?')).toEqual(r);
    expect(withDisclaimer(r, 'shipping time?')).not.toHaveProperty('disclaimer');
    const h = withDisclaimer({ answer: 'Use the first aid kit.', costUsd: 0 }, 'burn?');
    expect(h.disclaimer?.topic).toBe('health');
    expect(h.costUsd).toBe(0);
  });
});
