import { describe, expect, it } from 'vitest';
import {
  parseUfwAdded,
  parseUfwStatus,
  ufwPlan,
  wantedUfwRules,
} from '../../../src/provision/steps/firewall.js';
import { settings } from './fake-host.js';

// Recorded from ufw 0.36.2 on Debian 12.
const STATUS_INACTIVE = 'Status: inactive\n';
const STATUS_ACTIVE = `Status: active
Logging: on (low)
Default: deny (incoming), allow (outgoing), deny (routed)
New profiles: skip

To                         Action      From
--                         ------      ----
22/tcp                     LIMIT IN    Anywhere
80/tcp                     ALLOW IN    Anywhere
`;
const ADDED = `Added user rules (see 'ufw status' for running firewall):
ufw limit 22/tcp
ufw allow 80/tcp
ufw allow 8080/tcp
`;

describe('provision firewall (ufw) plan', () => {
  it('parses ufw status and the rules added', () => {
    expect(parseUfwStatus(STATUS_INACTIVE)).toEqual({
      active: false,
      incoming: undefined,
      outgoing: undefined,
    });
    expect(parseUfwStatus(STATUS_ACTIVE)).toEqual({ active: true, incoming: 'deny', outgoing: 'allow' });
    expect(parseUfwAdded(ADDED)).toEqual([
      { action: 'limit', port: '22/tcp' },
      { action: 'allow', port: '80/tcp' },
      { action: 'allow', port: '8080/tcp' },
    ]);
    expect(parseUfwAdded("Added user rules (see 'ufw status' for running firewall):\n(None)\n")).toEqual([]);
  });

  it('on a fresh host allows SSH (on the port sshd uses) before the firewall is enabled with default deny', () => {
    const plan = ufwPlan([], parseUfwStatus(STATUS_INACTIVE), wantedUfwRules(settings(), 2222));
    expect(plan.commands).toEqual([
      ['ufw', 'limit', '2222/tcp'],
      ['ufw', 'allow', '80/tcp'],
      ['ufw', 'allow', '443/tcp'],
      ['ufw', 'default', 'deny', 'incoming'],
      ['ufw', 'default', 'allow', 'outgoing'],
      ['ufw', '--force', 'enable'],
    ]);
  });

  it('switches SSH from limit to allow by deleting the old rule, and reports rules it did not ask for', () => {
    const plan = ufwPlan(
      parseUfwAdded(ADDED),
      parseUfwStatus(STATUS_ACTIVE),
      wantedUfwRules(settings({ sshRateLimit: false, openHttp: false }), 22),
    );
    expect(plan.commands).toEqual([
      ['ufw', 'delete', 'limit', '22/tcp'],
      ['ufw', 'allow', '22/tcp'],
    ]);
    expect(plan.changes).toEqual(['ufw: limit → allow 22/tcp']);
    expect(plan.extra).toEqual([
      { action: 'allow', port: '80/tcp' },
      { action: 'allow', port: '8080/tcp' },
    ]);
  });

  it('has nothing to do when rules, defaults and state already match', () => {
    const have = parseUfwAdded('ufw limit 22/tcp\nufw allow 80/tcp\nufw allow 443/tcp\nufw allow 8443/tcp\n');
    const plan = ufwPlan(
      have,
      parseUfwStatus(STATUS_ACTIVE),
      wantedUfwRules(settings({ allowPorts: ['8443/tcp'] }), 22),
    );
    expect(plan).toEqual({ commands: [], changes: [], extra: [] });
  });
});
