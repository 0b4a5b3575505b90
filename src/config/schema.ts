import { z } from 'zod';
import { grammars } from '../core/validate.js';

/**
 * The `ragship.yml` schema. Every string that can reach a host is checked against the anchored
 * grammars of src/core/validate.ts here, so a loaded config is safe to turn into argv.
 */
const fromGrammar = (kind: keyof typeof grammars) =>
  z.string().refine((v) => v.length <= grammars[kind].max && grammars[kind].pattern.test(v), {
    message: `must be ${grammars[kind].describe} (e.g. ${grammars[kind].example})`,
  });

/** "90s", "15m", "2h" or a number of seconds → seconds. */
export const duration = z
  .union([
    z.number().nonnegative(),
    z.string().regex(/^[0-9]+(?:\.[0-9]+)?(?:ms|s|m|h)?$/, 'must be a duration like 30s, 15m or 1h'),
  ])
  .transform((v) => {
    if (typeof v === 'number') return v;
    const m = /^([0-9.]+)(ms|s|m|h)?$/.exec(v)!;
    const n = Number(m[1]);
    return m[2] === 'ms' ? n / 1000 : m[2] === 'm' ? n * 60 : m[2] === 'h' ? n * 3600 : n;
  });

const relativeFile = z
  .string()
  .regex(
    /^(?!\/)(?!.*(?:^|\/)\.\.(?:\/|$))[A-Za-z0-9_.\-/]{1,200}$/,
    'must be a relative path inside the app repo (letters, digits, _ . - /; no ..)',
  );

const httpPath = z.string().regex(/^\/[A-Za-z0-9_.~\-/]*$/, 'must be an absolute URL path like /health');

export const healthSchema = z
  .object({
    /** HTTP path probed on the container's address; or `compose` to wait for the compose healthcheck. */
    http: httpPath.optional(),
    compose: z.boolean().optional(),
    port: z.number().int().min(1).max(65535).default(3000),
    /** OpenAI-compatible server: after `http`, require /v1/models and a one-token completion. */
    openai: z.boolean().default(false),
    timeout: duration.default(60),
    interval: duration.default(1),
    /** Consecutive successes needed. */
    successes: z.number().int().min(1).max(20).default(2),
  })
  .strict()
  .refine((h) => h.http || h.compose, { message: 'set `http: /health` or `compose: true`' });

/** One hook: argv in a one-off container of `service` (default: the role's service). */
export const hookSchema = z
  .object({
    command: z.array(z.string().max(1000)).min(1, 'give the command as a list, e.g. [node, smoke.js]'),
    service: fromGrammar('service').optional(),
    timeout: duration.default(300),
  })
  .strict();

export const roleSchema = z
  .object({
    hosts: z.array(z.string().min(1)).min(1, 'list at least one host as user@host:port'),
    /** Compose files of this role, relative to the repo root. */
    compose: z.array(relativeFile).min(1, 'list the compose files of this role, e.g. [compose.yaml]'),
    /** Extra files the compose files bind-mount (copied beside them on the host). */
    files: z.array(relativeFile).default([]),
    /**
     * Static files built into the app image (e.g. a chat page), published into a folder of the
     * project directory that the proxy bind-mounts. Extracted from each release's image after the
     * pull; non-HTML files (hashed assets) are added before the switch and kept while a retained
     * release references them, HTML pages are replaced when the app switches; a rollback
     * publishes the target release's files again.
     */
    static: z
      .object({
        /** Absolute folder inside the app image, e.g. /app/web. */
        from: z
          .string()
          .regex(
            /^\/(?!.*(?:^|\/)\.\.(?:\/|$))[A-Za-z0-9_.\-/]{1,200}$/,
            'must be an absolute folder inside the image, e.g. /app/web (no ..)',
          ),
        /** Folder relative to the project directory that the proxy bind-mounts, e.g. web/dist. */
        dir: relativeFile,
      })
      .strict()
      .optional(),
    strategy: z.enum(['zero-downtime', 'recreate']).default('zero-downtime'),
    /** The service this role switches (and, unless appImage is false, runs the deployed image). */
    service: fromGrammar('service'),
    /**
     * false: this role does not run the deployed app image; its service keeps the image its
     * compose file names (e.g. vLLM from VLLM_IMAGE), pulled before anything is stopped.
     */
    appImage: z.boolean().default(true),
    /** Only these services of the compose files run in this role (default: all of them). */
    services: z.array(fromGrammar('service')).optional(),
    replicas: z.number().int().min(1).max(20).default(1),
    /** Other services pinned to the deployed image (e.g. a worker). The migrate service is added. */
    imageServices: z.array(fromGrammar('service')).default([]),
    proxy: z
      .object({
        service: fromGrammar('service'),
        /** Upstream name used in the nginx config (`proxy_pass http://<upstream>`). */
        upstream: fromGrammar('service'),
        port: z.number().int().min(1).max(65535),
        /** Where ragship writes the upstream block, relative to the role's project directory. */
        file: relativeFile,
        drain: duration.default(2),
        /**
         * Automatic TLS (`ragship tls renew`): certificates for `domains` from an ACME CA over
         * HTTP-01, answered by this nginx from `webroot`; written to `certDir` (fullchain.pem,
         * privkey.pem 0600), which the nginx config includes. Both folders are relative to the
         * role's project directory.
         */
        tls: z
          .object({
            acme: z
              .object({
                email: z.string().regex(/^[^\s@]{1,64}@[A-Za-z0-9.-]{1,190}$/, 'must be an e-mail address'),
                domains: z.array(fromGrammar('hostname')).min(1).max(100),
                /** ACME directory URL (default: Let's Encrypt production). */
                directory: z
                  .url({ protocol: /^https$/ })
                  .default('https://acme-v02.api.letsencrypt.org/directory'),
                webroot: relativeFile.default('nginx/acme'),
                certDir: relativeFile.default('nginx/certs'),
                /**
                 * An nginx server block from the project folder (deployed with `files:`), copied into
                 * certDir as tls.server.conf once a certificate is there, for an nginx config that
                 * includes `<certDir>/*.server.conf` (the example app's does).
                 */
                serverConf: relativeFile.optional(),
                /** Renew when the certificate expires within this many days. */
                renewDays: z.number().int().min(1).max(89).default(30),
              })
              .strict(),
          })
          .strict()
          .optional(),
      })
      .strict()
      .optional(),
    health: healthSchema,
    migrate: z
      .object({
        service: fromGrammar('service'),
        command: z.array(z.string().max(1000)).optional(),
        timeout: duration.default(600),
      })
      .strict()
      .optional(),
    /**
     * Recreate roles: a one-off run of `service` (its new image, its volumes) before the old
     * server stops, e.g. to download model weights into the cache volume.
     */
    prefetch: z
      .object({
        service: fromGrammar('service'),
        entrypoint: z
          .string()
          .regex(/^[A-Za-z0-9_./-]{1,200}$/, 'must be one executable name or path')
          .optional(),
        command: z.array(z.string().max(1000)).min(1),
        timeout: duration.default(3600),
      })
      .strict()
      .optional(),
    /**
     * Commands run in a one-off container of the new release (its image, env and network) on
     * the role's first host, inside the deploy lock: `pre-deploy` after the upload, before
     * anything is pulled or switched (a failure aborts, nothing switched); `post-switch` once
     * every role serves the new release (a failure switches back to the previous release);
     * `post-deploy` after the release is recorded (a failure is a warning: the release stays).
     */
    hooks: z
      .object({
        'pre-deploy': hookSchema.optional(),
        'post-switch': hookSchema.optional(),
        'post-deploy': hookSchema.optional(),
      })
      .strict()
      .optional(),
    gpu: z
      .object({
        minFreeVramMiB: z.number().int().min(0).default(0),
        minDiskGiB: z.number().min(0).default(0),
        check: z.boolean().default(true),
      })
      .strict()
      .optional(),
    /** Non-secret compose interpolation variables (written to the release's compose.env). */
    vars: z
      .record(
        fromGrammar('envVar'),
        z.string().regex(/^[^\n\r$'"\\]*$/, 'must be a single line without $, quotes or backslashes'),
      )
      .default({}),
    stopGrace: duration.default(30),
    /**
     * GiB kept free on the host after the pull: preflight refuses a host whose free disk (on
     * Docker's root dir) is under 2 × the registry size of the images it still has to pull plus
     * this margin, and (under the deploy root) under this margin alone.
     */
    minFreeDiskGiB: z.number().min(0).default(1),
  })
  .strict();

export const sshSchema = z
  .object({
    /**
     * A jump host (bastion) as user@host[:port] that every SSH connection goes through, like
     * `ssh -J`; its host key is verified against the same known_hosts/fingerprints, fail-closed,
     * and it takes the same deploy key. The CLI's --ssh-proxy wins over it.
     */
    proxy: z
      .string()
      .regex(
        /^(?:[a-z_][a-z0-9_-]{0,31}@)?[A-Za-z0-9.:[\]-]{1,253}(?::[0-9]{1,5})?$/,
        'must be user@host[:port]',
      )
      .optional(),
  })
  .strict();

export const environmentSchema = z
  .object({
    roles: z
      .record(fromGrammar('name'), roleSchema)
      .refine((r) => Object.keys(r).length > 0, 'define at least one role'),
    url: z.string().url().optional(),
    /** Deploy root on each host; default ~/ragship/<app>/<environment>. */
    root: z
      .string()
      .regex(/^\/[A-Za-z0-9_.\-/]+$/, 'must be an absolute path')
      .optional(),
    /** Env var names the deploy must receive (missing ones fail before any connection). */
    requiredEnv: z.array(fromGrammar('envVar')).default([]),
    /**
     * How the environment runs: `compose` (default) = each role's hosts run their own compose
     * project over SSH; `swarm` = the roles' hosts are Swarm managers (the first one reached is
     * used) and the release is a `docker stack deploy` of the same compose files, scheduled by
     * Swarm over the cluster's nodes (docs/swarm.md).
     */
    engine: z.enum(['compose', 'swarm']).default('compose'),
    /**
     * When a host fails its switch (health gate) after other hosts already switched to the new
     * release: `switch-back` (default) switches those hosts back to the previous release, so every
     * host runs the same release; `keep` leaves them on the new one (the summary names which host
     * runs what). The action input and CLI flag `on-failure` win over it.
     */
    onFailure: z.enum(['switch-back', 'keep']).default('switch-back'),
    /** SSH settings of this environment (override the top-level `ssh`). */
    ssh: sshSchema.optional(),
  })
  .strict()
  .superRefine((e, ctx) => {
    if (e.engine !== 'swarm') return;
    for (const [name, r] of Object.entries(e.roles)) {
      if (r.strategy === 'recreate' || r.gpu || r.prefetch || r.static)
        ctx.addIssue({
          code: 'custom',
          path: ['roles', name],
          message:
            'engine: swarm rolls roles with start-first updates: recreate, gpu, prefetch and static are compose-host features; move this role to an environment with engine: compose',
        });
    }
  });

/** A registry a tunnel can carry: the same name must mean loopback on the runner and on the host. */
const TUNNEL_SERVER = /^localhost:[0-9]{1,5}$/;

export const configSchema = z
  .object({
    app: fromGrammar('name'),
    registry: z
      .object({
        server: z.string().regex(/^[A-Za-z0-9.-]+(?::[0-9]{1,5})?$/, 'must be a registry host[:port]'),
        username: fromGrammar('user').optional(),
        /**
         * Hosts pull through a reverse SSH tunnel to a registry only the runner reaches (e.g. one
         * started in the job): the host's localhost:<port> is carried to the runner's.
         */
        tunnel: z.boolean().optional(),
      })
      .strict()
      .refine((r) => !r.tunnel || TUNNEL_SERVER.test(r.server), {
        path: ['server'],
        message:
          'with tunnel: true the server must be localhost:<port> (hosts pull from their own loopback, which the SSH tunnel carries to the runner); e.g. server: localhost:5000',
      })
      .optional(),
    environments: z
      .record(fromGrammar('name'), environmentSchema)
      .refine((e) => Object.keys(e).length > 0, 'define at least one environment'),
    /** SSH settings for every environment (an environment's own `ssh` wins). */
    ssh: sshSchema.optional(),
    retain: z.number().int().min(1).max(100).default(5),
    lock: z
      .object({ ttl: duration.default(1800), wait: duration.default(0) })
      .strict()
      .default({ ttl: 1800, wait: 0 }),
  })
  .strict();

export type RagshipConfig = z.output<typeof configSchema>;
export type EnvironmentConfig = z.output<typeof environmentSchema>;
export type RoleConfig = z.output<typeof roleSchema>;
export type HealthConfig = z.output<typeof healthSchema>;
export type HookConfig = z.output<typeof hookSchema>;
