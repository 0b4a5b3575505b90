import { errorMessage } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { sendAlert, webhookFormat } from '../core/notify.js';
import { secrets } from '../core/redact.js';
import { deploymentTarget } from './run.js';

/** GitHub deployment statuses (REST API) + a Slack/Discord webhook around one deploy or rollback. */
export interface NotifyOptions {
  /** GitHub REST API (GITHUB_API_URL) and `owner/repo`; both needed for deployment statuses. */
  apiUrl?: string;
  repository?: string;
  /** A token with `deployments: write`; empty = no deployment statuses. */
  token?: string;
  /** The commit the deployment is for (GITHUB_SHA). */
  ref?: string;
  environment: string;
  /** Link of the run (job log). */
  runUrl?: string;
  webhookUrl?: string;
  webhookFormat?: string;
  app: string;
  /** 'deploy' or 'rollback'. */
  kind: string;
}

export interface DeployOutcome {
  ok: boolean;
  /** Release id on success; the error message on failure. */
  detail: string;
  image?: string;
  url?: string;
}

/**
 * Creates the GitHub deployment (state in_progress) at start; `finish` posts success/failure
 * and the webhook. Every call logs and swallows its own errors: a notification never changes
 * a deploy's result.
 */
export class DeployNotifier {
  private deploymentId?: number;

  constructor(
    private readonly o: NotifyOptions,
    private readonly logger: Logger,
  ) {}

  private get github(): boolean {
    return Boolean(this.o.token && this.o.apiUrl && this.o.repository && this.o.ref);
  }

  private async api(path: string, body: unknown): Promise<Record<string, unknown>> {
    const r = await fetch(`${this.o.apiUrl!.replace(/\/$/, '')}/repos/${this.o.repository}${path}`, {
      method: 'POST',
      headers: {
        accept: 'application/vnd.github+json',
        authorization: `Bearer ${this.o.token}`,
        'content-type': 'application/json',
        'x-github-api-version': '2022-11-28',
        'user-agent': 'ragship',
      },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(15_000),
    });
    const text = await r.text();
    if (!r.ok) throw new Error(`POST ${path} → HTTP ${r.status}: ${text.slice(0, 200)}`);
    return JSON.parse(text) as Record<string, unknown>;
  }

  async start(): Promise<void> {
    if (!this.github) return;
    try {
      const d = await this.api('/deployments', {
        ref: this.o.ref,
        environment: this.o.environment,
        auto_merge: false,
        required_contexts: [],
        description: `ragship ${this.o.kind} of ${this.o.app}`,
        production_environment: this.o.environment === 'production',
      });
      this.deploymentId = Number(d.id);
      await this.status('in_progress', `${this.o.kind} started`);
    } catch (err) {
      this.logger.warn(`could not create the GitHub deployment: ${errorMessage(err)}`);
    }
  }

  private async status(state: string, description: string, url?: string): Promise<void> {
    await this.api(`/deployments/${this.deploymentId}/statuses`, {
      state,
      description: secrets.redact(description).slice(0, 140),
      log_url: this.o.runUrl,
      environment_url: url,
      auto_inactive: state === 'success',
    });
  }

  async finish(outcome: DeployOutcome): Promise<void> {
    if (this.deploymentId !== undefined) {
      await this.status(
        outcome.ok ? 'success' : 'failure',
        outcome.ok ? `release ${outcome.detail}` : outcome.detail.split('\n')[0]!,
        outcome.url,
      ).catch((err) => this.logger.warn(`could not post the GitHub deployment status: ${errorMessage(err)}`));
    }
    if (!this.o.webhookUrl) return;
    const title = `${outcome.ok ? '✅' : '❌'} ${this.o.kind} of ${this.o.app} to ${this.o.environment} ${outcome.ok ? 'succeeded' : 'FAILED'}`;
    const lines = [
      outcome.ok ? `release ${outcome.detail}` : outcome.detail.split('\n').slice(0, 6).join('\n'),
      outcome.image ? `image ${outcome.image}` : '',
      outcome.url ? `serving at ${outcome.url}` : '',
    ].filter(Boolean);
    await sendAlert(
      this.o.webhookUrl,
      webhookFormat(this.o.webhookUrl, this.o.webhookFormat),
      title,
      lines.join('\n'),
      this.logger,
      this.o.runUrl,
    );
  }
}

/** Deployment statuses + webhook from the action inputs and the runner's environment. */
export function notifyOptionsFromRunner(
  o: {
    token: string;
    deploymentStatus: boolean;
    webhookUrl: string;
    webhookFormat: string;
    environment: string;
    app: string;
    kind: string;
    runUrl?: string;
  },
  env: NodeJS.ProcessEnv = process.env,
): NotifyOptions {
  return {
    ...deploymentTarget(env),
    token: o.deploymentStatus ? o.token : '',
    environment: o.environment,
    runUrl: o.runUrl,
    webhookUrl: o.webhookUrl || undefined,
    webhookFormat: o.webhookFormat || undefined,
    app: o.app,
    kind: o.kind,
  };
}
