// The example app's topic disclaimer rule (src/disclaimer.ts): run by the app's own `npm test`.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { disclaimerFor, withDisclaimer } from '../src/disclaimer.js';

describe('topic disclaimer rule (src/disclaimer.ts)', () => {
  const topics: [string, string, string][] = [
    ['What first aid should I give for a burn?', '', 'health'],
    ['Who do I tell about an injury at work?', '', 'health'],
    ['Can I take medication before operating the forklift?', '', 'health'],
    ['What do I do after an accident?', 'Report every injury in SafetyHub within 24 hours.', 'health'],
    ['Should I invest my bonus in stocks?', '', 'finance'],
    ['How are taxes on the pension handled?', '', 'finance'],
    ['Is crypto a good idea?', '', 'finance'],
    ['What interest rate does the company loan have?', '', 'finance'],
  ];
  for (const [q, a, topic] of topics)
    it(`${JSON.stringify(q)} (answer ${JSON.stringify(a)}) → ${topic}`, () => {
      const d = disclaimerFor(q, a);
      assert.equal(d?.topic, topic);
      assert.match(d?.text ?? '', /not (medical|financial)/);
    });

  for (const q of [
    'How long is the warranty on the Heron H1?',
    'How do I submit an invoice?',
    'What is the restocking fee for returned robots?',
    'How do I file a travel expense report?',
    'Will the firmware update reboot the robot?', // "will" must not match "ill"
    'Where is the emergency stop button?',
  ])
    it(`${JSON.stringify(q)} carries no disclaimer`, () => {
      assert.equal(disclaimerFor(q, 'The answer. [doc#chunk]'), undefined);
    });

  it('health wins over finance when both match (the order of the rule)', () => {
    assert.equal(disclaimerFor('Does the health insurance cover a doctor?', '')?.topic, 'health');
  });

  it('is case-insensitive and matches whole words only', () => {
    assert.equal(disclaimerFor('FIRST AID kit location', '')?.topic, 'health');
    assert.equal(disclaimerFor('taxonomy of spare parts', ''), undefined);
  });

  it('withDisclaimer adds the field only when the rule matches and keeps the response', () => {
    const r = { answer: 'Ship within 5 days.', costUsd: 0 };
    assert.deepEqual(withDisclaimer(r, 'shipping time?'), r);
    assert.equal('disclaimer' in withDisclaimer(r, 'shipping time?'), false);
    const h = withDisclaimer({ answer: 'Use the first aid kit.', costUsd: 0 }, 'burn?');
    assert.equal(h.disclaimer?.topic, 'health');
    assert.equal(h.costUsd, 0);
  });
});
