import { dirname as __ragshipDirname } from 'node:path';
import { fileURLToPath as __ragshipFileURLToPath } from 'node:url';
const __filename = __ragshipFileURLToPath(import.meta.url);
const __dirname = __ragshipDirname(__filename);
export const id = 924;
export const ids = [924,712];
export const modules = {

/***/ 6671:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   hF: () => (/* binding */ baselineArtifactName),
/* harmony export */   x2: () => (/* binding */ baselineKey)
/* harmony export */ });
/* unused harmony export FolderBaselineStore */
/* harmony import */ var node_fs_promises__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(1455);
/* harmony import */ var node_fs_promises__WEBPACK_IMPORTED_MODULE_0___default = /*#__PURE__*/__webpack_require__.n(node_fs_promises__WEBPACK_IMPORTED_MODULE_0__);
/* harmony import */ var node_path__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(6760);
/* harmony import */ var node_path__WEBPACK_IMPORTED_MODULE_1___default = /*#__PURE__*/__webpack_require__.n(node_path__WEBPACK_IMPORTED_MODULE_1__);


function baselineKey(suite, sha, configHash) {
    return `ragship-eval-baseline-${suite}-${sha}-${configHash.slice(0, 16)}`;
}
/**
 * The workflow artifact that keeps a baseline durably (the workflow uploads the results file
 * under this name on main; PR runs find it through the REST API). Keys are letters, digits and
 * . _ - only (suite names are), which artifact names allow.
 */
function baselineArtifactName(key) {
    return key;
}
class FolderBaselineStore {
    dir;
    constructor(dir) {
        this.dir = dir;
    }
    get description() {
        return `folder ${this.dir}`;
    }
    async load(key) {
        const p = join(this.dir, `${key}.jsonl`);
        try {
            await stat(p);
            return p;
        }
        catch {
            return undefined;
        }
    }
    async save(key, resultsPath) {
        await mkdir(this.dir, { recursive: true });
        await copyFile(resultsPath, join(this.dir, `${key}.jsonl`));
    }
}


/***/ }),

/***/ 7712:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

__webpack_require__.r(__webpack_exports__);
/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   FolderCache: () => (/* binding */ FolderCache),
/* harmony export */   NoCache: () => (/* binding */ NoCache),
/* harmony export */   cacheKey: () => (/* binding */ cacheKey)
/* harmony export */ });
/* harmony import */ var node_fs_promises__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(1455);
/* harmony import */ var node_fs_promises__WEBPACK_IMPORTED_MODULE_0___default = /*#__PURE__*/__webpack_require__.n(node_fs_promises__WEBPACK_IMPORTED_MODULE_0__);
/* harmony import */ var node_path__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(6760);
/* harmony import */ var node_path__WEBPACK_IMPORTED_MODULE_1___default = /*#__PURE__*/__webpack_require__.n(node_path__WEBPACK_IMPORTED_MODULE_1__);
/* harmony import */ var _suite_js__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(1408);



/** Key = sha256 of the canonical JSON of every part that can change a response. */
function cacheKey(parts) {
    return (0,_suite_js__WEBPACK_IMPORTED_MODULE_2__/* .sha256 */ .sc)((0,_suite_js__WEBPACK_IMPORTED_MODULE_2__/* .canonicalJson */ .dj)(parts));
}
/** One file per key under <dir>/<2 hex>/<key>.json; writes are atomic (temp + rename). */
class FolderCache {
    dir;
    constructor(dir) {
        this.dir = dir;
    }
    file(key) {
        return (0,node_path__WEBPACK_IMPORTED_MODULE_1__.join)(this.dir, key.slice(0, 2), `${key}.json`);
    }
    async get(key) {
        try {
            return await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_0__.readFile)(this.file(key), 'utf8');
        }
        catch {
            return undefined;
        }
    }
    async put(key, value) {
        const file = this.file(key);
        await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_0__.mkdir)((0,node_path__WEBPACK_IMPORTED_MODULE_1__.join)(this.dir, key.slice(0, 2)), { recursive: true });
        const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
        await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_0__.writeFile)(tmp, value);
        await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_0__.rename)(tmp, file);
    }
}
/** No caching (`--no-cache`). */
class NoCache {
    async get() {
        return undefined;
    }
    async put() { }
}


/***/ }),

/***/ 7924:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

// ESM COMPAT FLAG
__webpack_require__.r(__webpack_exports__);

// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  runEvalGate: () => (/* binding */ runEvalGate)
});

// EXTERNAL MODULE: external "node:fs/promises"
var promises_ = __webpack_require__(1455);
// EXTERNAL MODULE: external "node:path"
var external_node_path_ = __webpack_require__(6760);
// EXTERNAL MODULE: ./src/core/errors.ts
var errors = __webpack_require__(4296);
// EXTERNAL MODULE: ./src/eval/baseline.ts
var baseline = __webpack_require__(6671);
// EXTERNAL MODULE: ./src/eval/compare.ts + 1 modules
var compare = __webpack_require__(2511);
// EXTERNAL MODULE: ./node_modules/zod/v4/classic/schemas.js + 17 modules
var schemas = __webpack_require__(8816);
;// CONCATENATED MODULE: ./src/eval/backoff.ts
/**
 * Adaptive concurrency with back-off. A 429 or 5xx halves the number of calls allowed in
 * flight (never below 1) and pauses every caller until the server's Retry-After has passed;
 * each run of successes grows the limit again by one, up to the configured concurrency
 * (AIMD, like TCP). Retries are bounded: after `maxRetries` the call ends as an error —
 * a case is never dropped silently.
 */
class RetryableError extends Error {
    status;
    retryAfterMs;
    name = 'RetryableError';
    constructor(message, status, 
    /** From Retry-After, in ms. */
    retryAfterMs) {
        super(message);
        this.status = status;
        this.retryAfterMs = retryAfterMs;
    }
}
/** Retry-After as seconds or an HTTP date; undefined when absent or unparseable. */
function parseRetryAfter(value, now = Date.now()) {
    if (!value)
        return undefined;
    const v = value.trim();
    if (/^[0-9]+(\.[0-9]+)?$/.test(v))
        return Math.round(Number(v) * 1000);
    const at = Date.parse(v);
    return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
class AdaptiveLimiter {
    max;
    sleep;
    limit;
    active = 0;
    successes = 0;
    pausedUntil = 0;
    waiters = [];
    stats;
    constructor(max, sleep = (ms) => new Promise((r) => setTimeout(r, ms))) {
        this.max = max;
        this.sleep = sleep;
        this.limit = max;
        this.stats = { throttled: 0, retries: 0, minLimit: max, waitedMs: 0 };
    }
    get currentLimit() {
        return this.limit;
    }
    async acquire() {
        while (this.active >= this.limit)
            await new Promise((r) => this.waiters.push(r));
        this.active++;
        const wait = this.pausedUntil - Date.now();
        if (wait > 0) {
            this.stats.waitedMs += wait;
            await this.sleep(wait);
        }
    }
    release() {
        this.active--;
        this.waiters.shift()?.();
    }
    onSuccess() {
        if (++this.successes >= this.limit && this.limit < this.max) {
            this.limit++;
            this.successes = 0;
            this.waiters.shift()?.();
        }
    }
    onThrottle(pauseMs) {
        this.stats.throttled++;
        this.successes = 0;
        this.limit = Math.max(1, Math.floor(this.limit / 2));
        this.stats.minLimit = Math.min(this.stats.minLimit, this.limit);
        this.pausedUntil = Math.max(this.pausedUntil, Date.now() + pauseMs);
    }
    /**
     * Runs `fn` inside a slot, retrying RetryableErrors up to `maxRetries` times; the wait is
     * Retry-After when given (capped at maxBackoffMs), else 250 ms · 2^attempt.
     */
    async run(fn, options) {
        for (let attempt = 0;; attempt++) {
            await this.acquire();
            try {
                const value = await fn();
                this.onSuccess();
                return { value, attempts: attempt + 1 };
            }
            catch (err) {
                if (!(err instanceof RetryableError) || attempt >= options.maxRetries) {
                    if (err instanceof RetryableError) {
                        throw new RetryableError(`${err.message} (gave up after ${attempt + 1} attempts)`, err.status, err.retryAfterMs);
                    }
                    throw err;
                }
                this.stats.retries++;
                const backoff = Math.min(options.maxBackoffMs, err.retryAfterMs ?? 250 * 2 ** attempt);
                this.onThrottle(backoff);
            }
            finally {
                this.release();
            }
        }
    }
}

;// CONCATENATED MODULE: ./src/eval/judge.ts


/**
 * LLM-judged metrics through any OpenAI-compatible endpoint (api.openai.com, vLLM, …) with a
 * strict JSON-schema structured output. Output that does not parse or does not match the
 * schema is a JudgeOutputError: the case ends as an error, never as a pass or a fail
 * (deepeval#3283 scored unparseable judge output as a pass).
 */
class JudgeOutputError extends Error {
    name = 'JudgeOutputError';
}
const verdictSchema = schemas/* object */.Ikc({ score: schemas/* number */.aig().min(0).max(1), reason: schemas/* string */.YjP() }).strict();
const RESPONSE_FORMAT = {
    type: 'json_schema',
    json_schema: {
        name: 'ragship_judgement',
        strict: true,
        schema: {
            type: 'object',
            additionalProperties: false,
            required: ['score', 'reason'],
            properties: {
                score: { type: 'number', minimum: 0, maximum: 1 },
                reason: { type: 'string' },
            },
        },
    },
};
function judgePrompt(metric, input) {
    if (metric === 'llm-rubric') {
        return [
            'Grade the ANSWER against the RUBRIC: 1 when it fully meets the rubric, 0 when it does not meet it at all.',
            'Reply with JSON {"score": number between 0 and 1, "reason": short string}.',
            '',
            `RUBRIC: ${input.rubric ?? ''}`,
            '',
            `QUESTION: ${input.question}`,
            `ANSWER: ${input.answer}`,
        ].join('\n');
    }
    if (metric === 'faithfulness') {
        return [
            'Rate how faithful the ANSWER is to the CONTEXT: 1 when every claim in the answer is supported by the context, 0 when the answer contradicts it or is unsupported.',
            'Reply with JSON {"score": number between 0 and 1, "reason": short string}.',
            '',
            'CONTEXT:',
            ...input.contexts.map((c, i) => `[${i + 1}] ${c}`),
            '',
            `QUESTION: ${input.question}`,
            `ANSWER: ${input.answer}`,
        ].join('\n');
    }
    return [
        'Rate how relevant the ANSWER is to the QUESTION: 1 when it answers exactly what was asked, 0 when it is off-topic or evasive.',
        'Reply with JSON {"score": number between 0 and 1, "reason": short string}.',
        '',
        `QUESTION: ${input.question}`,
        `ANSWER: ${input.answer}`,
    ].join('\n');
}
/** Parses a judge's message content; anything but the exact schema is a JudgeOutputError. */
function parseVerdict(content) {
    if (typeof content !== 'string')
        throw new JudgeOutputError('judge returned no message content');
    let raw;
    try {
        raw = JSON.parse(content);
    }
    catch {
        throw new JudgeOutputError(`judge output is not JSON: ${JSON.stringify(content.slice(0, 120))}`);
    }
    const r = verdictSchema.safeParse(raw);
    if (!r.success)
        throw new JudgeOutputError(`judge output does not match the schema: ${r.error.issues[0]?.message ?? 'invalid'} in ${content.slice(0, 120)}`);
    return r.data;
}
function createJudge(config, apiKey, doFetch = fetch) {
    const url = `${config.base_url.replace(/\/+$/, '')}/chat/completions`;
    return {
        model: config.model,
        params: {
            model: config.model,
            temperature: config.temperature,
            max_tokens: config.max_tokens,
            format: RESPONSE_FORMAT.json_schema.name,
        },
        async rate(metric, input) {
            let res;
            try {
                res = await doFetch(url, {
                    method: 'POST',
                    headers: {
                        'content-type': 'application/json',
                        ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}),
                    },
                    body: JSON.stringify({
                        model: config.model,
                        temperature: config.temperature,
                        max_tokens: config.max_tokens,
                        messages: [
                            { role: 'system', content: 'You are a strict evaluator. Output only the requested JSON.' },
                            { role: 'user', content: judgePrompt(metric, input) },
                        ],
                        response_format: RESPONSE_FORMAT,
                    }),
                    signal: AbortSignal.timeout(config.timeout_ms),
                });
            }
            catch (err) {
                throw new RetryableError(`judge ${url}: ${err.message}`);
            }
            const text = await res.text();
            if (res.status === 429 || res.status >= 500) {
                throw new RetryableError(`judge ${url} answered ${res.status}`, res.status, parseRetryAfter(res.headers.get('retry-after')));
            }
            if (!res.ok)
                throw new JudgeOutputError(`judge ${url} answered ${res.status}: ${text.slice(0, 200)}`);
            let body;
            try {
                body = JSON.parse(text);
            }
            catch {
                throw new JudgeOutputError(`judge response is not JSON: ${text.slice(0, 120)}`);
            }
            const verdict = parseVerdict(body.choices?.[0]?.message?.content);
            const promptTokens = body.usage?.prompt_tokens ?? 0;
            const completionTokens = body.usage?.completion_tokens ?? 0;
            const costUsd = (promptTokens * config.price_input_per_mtok + completionTokens * config.price_output_per_mtok) / 1e6;
            return { verdict, promptTokens, completionTokens, costUsd };
        },
    };
}

// EXTERNAL MODULE: ./src/eval/report.ts
var report = __webpack_require__(3342);
;// CONCATENATED MODULE: ./src/eval/report-html.ts

function escapeHtml(s) {
    return s
        .replace(/&/g, '&amp;')
        .replace(/</g, '&lt;')
        .replace(/>/g, '&gt;')
        .replace(/"/g, '&quot;')
        .replace(/'/g, '&#39;');
}
const CSS = `body{font:14px/1.45 system-ui,sans-serif;margin:24px;color:#1f2328}
h1{font-size:20px}h2{font-size:16px;margin-top:28px}
table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #d0d7de;padding:4px 8px;vertical-align:top;text-align:left}
th{background:#f6f8fa}.regressed{color:#cf222e}.improved{color:#1a7f37}.muted{color:#59636e}
.answer{max-width:520px;white-space:pre-wrap}code{font-size:12px}`;
/** One row per metric: the interval as a bar, the delta as a dot, 0 as a vertical line. */
function deltaChart(rows) {
    const shown = rows.filter((r) => r.delta !== null);
    if (!shown.length)
        return '<p class="muted">no paired metric to chart</p>';
    const extent = Math.max(0.05, ...shown.flatMap((r) => [Math.abs(r.low ?? 0), Math.abs(r.high ?? 0), Math.abs(r.delta)]));
    const width = 360;
    const label = 140;
    const rowH = 22;
    const x = (v) => label + ((v + extent) / (2 * extent)) * width;
    const parts = shown.map((r, i) => {
        const y = 14 + i * rowH;
        const colour = r.verdict === 'regressed' ? '#cf222e' : r.verdict === 'improved' ? '#1a7f37' : '#59636e';
        return [
            `<text x="0" y="${y + 4}" font-size="12">${escapeHtml(r.metric)}</text>`,
            r.low !== null && r.high !== null
                ? `<line class="interval" x1="${x(r.low).toFixed(1)}" x2="${x(r.high).toFixed(1)}" y1="${y}" y2="${y}" stroke="${colour}" stroke-width="3"/>`
                : '',
            `<circle class="delta" data-metric="${escapeHtml(r.metric)}" cx="${x(r.delta).toFixed(1)}" cy="${y}" r="4" fill="${colour}"><title>${escapeHtml(`${r.metric}: ${(0,compare/* fmt */.Sc)(r.delta)} (${(0,compare/* fmt */.Sc)(r.low)} … ${(0,compare/* fmt */.Sc)(r.high)})`)}</title></circle>`,
        ].join('');
    });
    const h = 14 + shown.length * rowH;
    return `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="change of each metric with its 95% interval" width="${label + width + 60}" height="${h + 16}">
<line x1="${x(0)}" x2="${x(0)}" y1="0" y2="${h}" stroke="#8c959f" stroke-dasharray="3,3"/>
<text x="${x(-extent)}" y="${h + 12}" font-size="11">${(-extent).toFixed(2)}</text>
<text x="${x(0) - 4}" y="${h + 12}" font-size="11">0</text>
<text x="${x(extent) - 24}" y="${h + 12}" font-size="11">+${extent.toFixed(2)}</text>
${parts.join('\n')}
</svg>`;
}
function metricChanges(h, b) {
    if (!h)
        return '';
    const names = new Set([...Object.keys(h.metrics), ...Object.keys(b?.metrics ?? {})]);
    const out = [];
    for (const n of names) {
        const hv = h.metrics[n];
        const bv = b?.metrics[n];
        if (hv === bv)
            continue;
        const d = hv !== null && hv !== undefined && bv !== null && bv !== undefined ? hv - bv : null;
        out.push(`<span class="${d !== null && d < 0 ? 'regressed' : d !== null && d > 0 ? 'improved' : ''}">${escapeHtml(n)} ${(0,compare/* fmt */.Sc)(bv)} → ${(0,compare/* fmt */.Sc)(hv)}</span>`);
    }
    return out.join('<br>');
}
function renderHtml(input) {
    const c = input.comparison;
    const runCell = (r) => r
        ? `<div class="answer">${escapeHtml((r.answer ?? r.error ?? '–').slice(0, 2000))}</div>${r.sources?.length
            ? `<div class="muted">sources: ${r.sources
                .slice(0, 10)
                .map((s) => `<code>${escapeHtml(s)}</code>`)
                .join(', ')}</div>`
            : ''}`
        : '<span class="muted">–</span>';
    const groups = [
        ['pass → fail', c.regressedCases],
        ['new errors', c.newErrors],
        ['fail → pass', c.improvedCases],
    ];
    const caseRows = groups.flatMap(([what, ids]) => ids.map((id) => {
        const h = input.head.cases.get(id);
        const b = input.base?.cases.get(id);
        return `<tr data-case="${escapeHtml(id)}"><td><code>${escapeHtml(id)}</code><br><span class="muted">${what}</span></td><td>${runCell(input.baseRuns.get(id))}</td><td>${runCell(input.headRuns.get(id))}</td><td>${metricChanges(h, b)}</td></tr>`;
    }));
    const metricRows = c.rows.map((r) => `<tr data-metric="${escapeHtml(r.metric)}"><td>${escapeHtml(r.metric)}</td><td>${(0,compare/* fmt */.Sc)(r.base)}</td><td>${(0,compare/* fmt */.Sc)(r.head)}</td><td>${(0,compare/* fmt */.Sc)(r.delta)}</td><td>${r.low === null ? '–' : `${(0,compare/* fmt */.Sc)(r.low)} … ${(0,compare/* fmt */.Sc)(r.high)}`}</td><td>${(0,compare/* fmtP */.oF)(r.pAdjusted)}</td><td>${escapeHtml(r.test)} · ${r.nonZero}/${r.paired}</td><td class="${r.verdict === 'regressed' ? 'regressed' : r.verdict === 'improved' ? 'improved' : ''}">${escapeHtml(r.verdict)}</td></tr>`);
    return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Eval gate ${escapeHtml(c.suite)}: ${escapeHtml(c.gate.headline)}</title>
<meta name="viewport" content="width=device-width,initial-scale=1"><style>${CSS}</style></head>
<body>
<h1 id="headline">${c.gate.passed ? '✅' : '❌'} Eval gate <code>${escapeHtml(c.suite)}</code>: ${escapeHtml(c.gate.headline)}</h1>
${c.gate.reasons.length ? `<ul id="reasons">${c.gate.reasons.map((r) => `<li>${escapeHtml(r)}</li>`).join('')}</ul>` : ''}
<p class="muted">baseline: ${escapeHtml(input.baselineSource)}${input.runUrl ? ` · <a href="${escapeHtml(input.runUrl)}">workflow run</a>` : ''}</p>
<h2>Metrics (main vs PR)</h2>
<table id="metrics"><tr><th>metric</th><th>main</th><th>PR</th><th>delta</th><th>95% CI (bootstrap)</th><th>p (Holm)</th><th>test · changed/paired</th><th>verdict</th></tr>
${metricRows.join('\n')}</table>
<h2>Change of each metric, with its interval</h2>
<div id="chart">${deltaChart(c.rows)}</div>
<h2>Cases that changed</h2>
${caseRows.length
        ? `<table id="cases"><tr><th>case</th><th>main</th><th>PR</th><th>metric changes</th></tr>\n${caseRows.join('\n')}</table>`
        : '<p class="muted">no case changed outcome</p>'}
${c.errored.length
        ? `<h2>Errored cases</h2><ul id="errors">${c.errored.map((e) => `<li><code>${escapeHtml(e.id)}</code>: ${escapeHtml(e.reason)}</li>`).join('')}</ul>`
        : ''}
</body></html>
`;
}

// EXTERNAL MODULE: external "node:events"
var external_node_events_ = __webpack_require__(8474);
// EXTERNAL MODULE: external "node:fs"
var external_node_fs_ = __webpack_require__(3024);
;// CONCATENATED MODULE: ./src/eval/jsonl-writer.ts



/** Creates (or truncates) `path`, making its folder first. */
function jsonl_writer_jsonLinesWriter(path) {
    (0,external_node_fs_.mkdirSync)((0,external_node_path_.dirname)(path), { recursive: true });
    const out = (0,external_node_fs_.createWriteStream)(path, 'utf8');
    // One shared wait for 'drain': every worker that hits a full buffer waits on the same promise.
    let draining;
    return {
        async write(obj) {
            if (out.write(`${JSON.stringify(obj)}\n`))
                return;
            draining ??= (0,external_node_events_.once)(out, 'drain').finally(() => {
                draining = undefined;
            });
            await draining;
        },
        async close() {
            out.end();
            await (0,external_node_events_.once)(out, 'finish');
        },
    };
}

// EXTERNAL MODULE: ./src/eval/suite.ts + 1 modules
var eval_suite = __webpack_require__(1408);
;// CONCATENATED MODULE: ./src/eval/results.ts



async function* readLines(path) {
    let n = 0;
    for await (const text of (0,eval_suite/* fileLines */.c0)(path)) {
        n++;
        if (!text.trim())
            continue;
        try {
            yield { line: n, value: JSON.parse(text) };
        }
        catch (err) {
            throw new errors/* ConfigError */.xL(`${path}:${n}`, `is not a JSON line: ${err.message}`, 'results files are written by `ragship eval`; do not edit them');
        }
    }
}
/** Streams a results file into per-case summaries (answers are not kept in memory). */
async function loadResults(path) {
    let meta;
    const acc = new Map();
    const set = {
        runs: 0,
        costUsd: 0,
        liveCostUsd: 0,
        promptTokens: 0,
        completionTokens: 0,
        latencies: [],
        cachedRuns: 0,
    };
    try {
        for await (const { line, value } of readLines(path)) {
            const v = value;
            if (v.type === 'meta') {
                if (meta)
                    throw new errors/* ConfigError */.xL(`${path}:${line}`, 'has a second meta line', 'merge shard files with `ragship eval merge`');
                meta = value;
                continue;
            }
            if (v.type !== 'run')
                continue;
            const r = value;
            set.runs++;
            set.costUsd += r.costUsd;
            // files written before the split: a cached run cost nothing live
            set.liveCostUsd += r.liveCostUsd ?? (r.cached ? 0 : r.costUsd);
            set.promptTokens += r.promptTokens;
            set.completionTokens += r.completionTokens;
            if (r.cached)
                set.cachedRuns++;
            else if (r.outcome !== 'error')
                set.latencies.push(r.latencyMs);
            let a = acc.get(r.id);
            if (!a) {
                a = {
                    s: {
                        id: r.id,
                        ...(r.caseHash ? { caseHash: r.caseHash } : {}),
                        tags: r.tags,
                        outcome: 'error',
                        passes: 0,
                        runs: 0,
                        errors: 0,
                        metrics: {},
                        failed: [],
                        latencyMs: 0,
                        costUsd: 0,
                        tokens: 0,
                    },
                    sums: new Map(),
                    okRuns: 0,
                };
                acc.set(r.id, a);
            }
            const s = a.s;
            s.runs++;
            s.costUsd += r.costUsd;
            s.tokens += r.promptTokens + r.completionTokens;
            const addMetrics = () => {
                for (const [name, val] of Object.entries(r.metrics)) {
                    const m = a.sums.get(name) ?? { sum: 0, n: 0 };
                    if (val !== null && val !== undefined) {
                        m.sum += val;
                        m.n++;
                    }
                    a.sums.set(name, m);
                }
            };
            if (r.outcome === 'error') {
                s.errors++;
                s.error ??= r.error;
                // a judge error keeps the run's deterministic metrics (a target error has none)
                addMetrics();
                continue;
            }
            if (r.outcome === 'pass')
                s.passes++;
            for (const f of r.failed)
                if (!s.failed.includes(f))
                    s.failed.push(f);
            a.okRuns++;
            s.latencyMs += (r.latencyMs - s.latencyMs) / a.okRuns;
            addMetrics();
        }
    }
    catch (err) {
        if (err.code === 'ENOENT')
            throw new errors/* ConfigError */.xL(path, 'does not exist', 'run `ragship eval` first');
        throw err;
    }
    if (!meta)
        throw new errors/* ConfigError */.xL(path, 'has no meta line', 'results files are written by `ragship eval`');
    const cases = new Map();
    for (const [id, a] of acc) {
        const s = a.s;
        for (const [name, m] of a.sums)
            s.metrics[name] = m.n ? m.sum / m.n : null;
        // Errors that could have changed a fail into a pass leave the case undetermined: an error.
        if (s.passes >= meta.minPasses)
            s.outcome = 'pass';
        else if (a.okRuns === 0 || s.passes + s.errors >= meta.minPasses)
            s.outcome = 'error';
        else
            s.outcome = 'fail';
        cases.set(id, s);
    }
    return { meta, cases, ...set };
}
/** The recorded runs of some case ids (answers, sources) — a second streaming pass for the report. */
async function runsFor(path, ids) {
    const out = new Map();
    if (ids.size === 0)
        return out;
    for await (const { value } of readLines(path)) {
        const r = value;
        if (r.type === 'run' && ids.has(r.id) && !out.has(r.id))
            out.set(r.id, r);
    }
    return out;
}
/**
 * Merges shard files (`shard: i/n` from a matrix) into one results file. Fails when shards
 * come from different suites/configs, when one is missing or repeated, or when a run repeats.
 */
async function mergeResults(paths, outPath) {
    if (paths.length === 0)
        throw new ConfigError('merge', 'no shard files given', 'pass every shard results file');
    const metas = [];
    for (const path of paths) {
        for await (const { value } of readLines(path)) {
            if (value.type !== 'meta')
                throw new ConfigError(path, 'does not start with a meta line', 'pass results files written by `ragship eval`');
            metas.push({ path, meta: value });
            break;
        }
    }
    const first = metas[0].meta;
    const seen = new Set();
    for (const { path, meta } of metas) {
        if (meta.suiteHash !== first.suiteHash || meta.configHash !== first.configHash) {
            throw new ConfigError(path, `comes from another suite or config (${meta.suiteHash.slice(0, 8)}/${meta.configHash.slice(0, 8)} vs ${first.suiteHash.slice(0, 8)}/${first.configHash.slice(0, 8)})`, 'merge shards of one run only');
        }
        if (meta.shard.count !== first.shard.count)
            throw new ConfigError(path, `is shard ${meta.shard.index}/${meta.shard.count}, others are of ${first.shard.count}`, 'merge shards of one run only');
        if (seen.has(meta.shard.index))
            throw new ConfigError(path, `repeats shard ${meta.shard.index}/${meta.shard.count}`, 'pass each shard once');
        seen.add(meta.shard.index);
    }
    const missing = Array.from({ length: first.shard.count }, (_, i) => i + 1).filter((i) => !seen.has(i));
    if (missing.length)
        throw new ConfigError('merge', `shard(s) ${missing.map((i) => `${i}/${first.shard.count}`).join(', ')} missing`, 'wait for every matrix job and pass all shard files');
    const { write, close } = jsonLinesWriter(outPath);
    await write({
        ...first,
        shard: { index: 1, count: 1 },
        labels: { ...first.labels, mergedFrom: String(paths.length) },
    });
    const runKeys = new Set();
    let runs = 0;
    for (const path of paths) {
        for await (const { line, value } of readLines(path)) {
            const r = value;
            if (r.type !== 'run')
                continue;
            const key = `${r.id}\u0000${r.repeat}`;
            if (runKeys.has(key))
                throw new ConfigError(`${path}:${line}`, `case ${r.id} repeat ${r.repeat} is also in another shard`, 'shards must not overlap');
            runKeys.add(key);
            runs++;
            await write(r);
        }
    }
    await close();
    return { runs, shards: paths.length };
}

;// CONCATENATED MODULE: ./src/eval/answer-metrics.ts
/**
 * Deterministic answer metrics. Normalisation follows the SQuAD convention: Unicode NFKD
 * without diacritics, lower case, punctuation dropped (a decimal point inside a number kept,
 * thousands separators removed: 24,900 → 24900), articles a/an/the removed, whitespace collapsed.
 */
function normalizeAnswer(text) {
    return text
        .normalize('NFKD')
        .replace(/[\u0300-\u036f]/g, '')
        .toLowerCase()
        .replace(/(\d),(?=\d{3}(?:\D|$))/g, '$1')
        .replace(/(\d)\.(?=\d)/g, '$1\u0000')
        .replace(/[^\p{L}\p{N}\s\u0000]/gu, ' ')
        .replace(/\u0000/g, '.')
        .replace(/\b(a|an|the)\b/g, ' ')
        .replace(/\s+/g, ' ')
        .trim();
}
function tokens(text) {
    const n = normalizeAnswer(text);
    return n ? n.split(' ') : [];
}
function exactMatch(answer, reference) {
    return answer.trim() === reference.trim() ? 1 : 0;
}
function normalizedMatch(answer, reference) {
    return normalizeAnswer(answer) === normalizeAnswer(reference) ? 1 : 0;
}
/** 1 when every expected phrase occurs in the answer (both normalised), else 0. */
function containsAll(answer, phrases) {
    const a = ` ${normalizeAnswer(answer)} `;
    return phrases.every((p) => a.includes(` ${normalizeAnswer(p)} `)) ? 1 : 0;
}
function regexMatch(answer, pattern) {
    return new RegExp(pattern, 'iu').test(answer) ? 1 : 0;
}
/** SQuAD token F1: multiset overlap of normalised tokens. Both empty → 1; one empty → 0. */
function tokenF1(answer, reference) {
    const a = tokens(answer);
    const r = tokens(reference);
    if (a.length === 0 || r.length === 0)
        return a.length === r.length ? 1 : 0;
    const counts = new Map();
    for (const t of r)
        counts.set(t, (counts.get(t) ?? 0) + 1);
    let overlap = 0;
    for (const t of a) {
        const c = counts.get(t) ?? 0;
        if (c > 0) {
            overlap++;
            counts.set(t, c - 1);
        }
    }
    if (overlap === 0)
        return 0;
    const precision = overlap / a.length;
    const recall = overlap / r.length;
    return (2 * precision * recall) / (precision + recall);
}
function lcsLength(a, b) {
    // One rolling row: O(|a|·|b|) time, O(|b|) memory.
    const row = new Array(b.length + 1).fill(0);
    for (let i = 1; i <= a.length; i++) {
        let prevDiag = 0;
        for (let j = 1; j <= b.length; j++) {
            const up = row[j];
            row[j] = a[i - 1] === b[j - 1] ? prevDiag + 1 : Math.max(up, row[j - 1]);
            prevDiag = up;
        }
    }
    return row[b.length];
}
/** ROUGE-L F1 (β = 1) on normalised tokens: LCS / |answer| and LCS / |reference|. */
function rougeL(answer, reference) {
    const a = tokens(answer);
    const r = tokens(reference);
    if (a.length === 0 || r.length === 0)
        return a.length === r.length ? 1 : 0;
    const lcs = lcsLength(a, r);
    if (lcs === 0)
        return 0;
    const p = lcs / a.length;
    const rec = lcs / r.length;
    return (2 * p * rec) / (p + rec);
}

// EXTERNAL MODULE: ./src/eval/assertions.ts
var assertions = __webpack_require__(3209);
// EXTERNAL MODULE: ./src/eval/cache.ts
var eval_cache = __webpack_require__(7712);
// EXTERNAL MODULE: ./src/core/logger.ts
var logger = __webpack_require__(1227);
// EXTERNAL MODULE: external "node:stream"
var external_node_stream_ = __webpack_require__(7075);
// EXTERNAL MODULE: ./node_modules/cli-progress/cli-progress.js
var cli_progress = __webpack_require__(8502);
;// CONCATENATED MODULE: ./src/core/progress.ts


const MB = 1024 * 1024;
/** Whether long work draws a live bar: stderr is a terminal and this is not a CI job. */
function isInteractive() {
    return !!process.stderr.isTTY && !process.env.CI;
}
function seconds(s) {
    if (!Number.isFinite(s))
        return '?';
    const r = Math.max(0, Math.round(s));
    if (r < 60)
        return `${r} s`;
    if (r < 3600)
        return `${Math.floor(r / 60)} min ${r % 60} s`;
    return `${Math.floor(r / 3600)} h ${Math.floor((r % 3600) / 60)} min`;
}
/** "upload x: 512.0 MB of 2048.0 MB (25 %), 85.3 MB/s, ETA 18 s" (items: "eval: 12 of 40 (30 %), 2.0/s, ETA 14 s"). */
function formatProgress(label, unit, done, total, elapsedMs) {
    const perSecond = elapsedMs > 0 ? done / (elapsedMs / 1000) : 0;
    const amount = (n) => (unit === 'bytes' ? `${(n / MB).toFixed(1)} MB` : String(n));
    const rate = unit === 'bytes' ? `${(perSecond / MB).toFixed(1)} MB/s` : `${perSecond.toFixed(1)}/s`;
    const parts = [
        total ? `${amount(done)} of ${amount(total)} (${Math.floor((100 * done) / total)} %)` : amount(done),
    ];
    if (elapsedMs > 0)
        parts.push(rate);
    if (total && perSecond > 0 && done < total)
        parts.push(`ETA ${seconds((total - done) / perSecond)}`);
    return `${label}: ${parts.join(', ')}`;
}
/** A 24-cell bar for a fraction (no bar when the total is unknown). */
function barOf(fraction, width = 24) {
    if (fraction === undefined || !Number.isFinite(fraction))
        return '';
    const full = Math.max(0, Math.min(width, Math.round(fraction * width)));
    return `[${'█'.repeat(full)}${'░'.repeat(width - full)}] `;
}
/**
 * One MultiBar per output stream, shared by every bar running at the same time (bars of parallel
 * work must not redraw over each other); stopped when its last bar finishes.
 */
const boards = new Map();
function addBar(stream) {
    let board = boards.get(stream);
    if (!board) {
        board = {
            multi: new cli_progress.MultiBar({
                stream,
                // The whole line is ours (bar + formatProgress); cli-progress draws and redraws it.
                format: (_o, _p, payload) => payload.line ?? '',
                hideCursor: false,
                clearOnComplete: true,
                fps: 5,
            }),
            live: 0,
        };
        boards.set(stream, board);
    }
    const b = board;
    b.live++;
    const bar = b.multi.create(1, 0, { line: '' });
    return {
        bar,
        done: () => {
            b.multi.remove(bar);
            if (--b.live === 0) {
                b.multi.stop();
                boards.delete(stream);
            }
        },
    };
}
class progress_Progress {
    o;
    started;
    lastEmit;
    done = 0;
    total;
    tty;
    now;
    finished = false;
    bar;
    timer;
    constructor(o) {
        this.o = o;
        this.now = o.now ?? (() => performance.now());
        this.started = this.now();
        this.lastEmit = this.started;
        this.total = o.total;
        this.tty = o.tty ?? isInteractive();
    }
    /** Whether this progress draws a live bar (else: log lines every few seconds). */
    get interactive() {
        return this.tty;
    }
    /** The current line: "<label>: 12.0 MB of 40.0 MB (30 %), 2.0 MB/s, ETA 14 s". */
    line() {
        const elapsed = this.now() - this.started;
        return this.o.text
            ? this.o.text(this.done, this.total, elapsed)
            : formatProgress(this.o.label, this.o.unit, this.done, this.total, elapsed);
    }
    /**
     * Also report while nothing moves (a stalled pull, a slow eval case): a line (or a redraw) every
     * interval until finish(). The timer does not keep the process alive.
     */
    start() {
        if (this.timer || this.finished)
            return this;
        const every = this.tty ? 1000 : (this.o.intervalMs ?? 5000);
        this.timer = setInterval(() => this.emit(true), every);
        this.timer.unref();
        return this;
    }
    update(done, total) {
        if (this.finished)
            return;
        this.done = done;
        if (total !== undefined)
            this.total = total;
        this.emit(false);
    }
    emit(force) {
        const t = this.now();
        if (this.tty) {
            this.bar ??= addBar(this.o.stream ?? process.stderr);
            const fraction = this.total ? this.done / this.total : undefined;
            // cli-progress throttles the redraws itself (fps).
            this.bar.bar.update(0, { line: `${barOf(fraction)}${this.line()}` });
            return;
        }
        const every = this.o.intervalMs ?? 5000;
        // The heartbeat skips its line when an update printed one less than half an interval ago.
        if (t - this.lastEmit < (force ? every / 2 : every))
            return;
        this.lastEmit = t;
        this.o.logger.info(this.line());
    }
    /** The closing line (always printed): what was done, in how long, at what rate. */
    finish() {
        if (this.finished)
            return;
        this.finished = true;
        if (this.timer)
            clearInterval(this.timer);
        this.timer = undefined;
        this.bar?.done();
        this.bar = undefined;
        const elapsed = this.now() - this.started;
        this.o.logger.info(this.o.closing
            ? this.o.closing(this.done, elapsed)
            : `${formatProgress(this.o.label, this.o.unit, this.done, undefined, elapsed)} in ${seconds(elapsed / 1000)}`);
    }
}
/** A pass-through stage that reports the bytes flowing through it (a download's progress). */
function progressStream(p) {
    let bytes = 0;
    return new Transform({
        transform(chunk, _enc, cb) {
            bytes += chunk.length;
            p.update(bytes);
            cb(null, chunk);
        },
        flush(cb) {
            p.finish();
            cb();
        },
        // A failed download ends its bar too (a live bar would otherwise keep redrawing).
        destroy(err, cb) {
            p.finish();
            cb(err);
        },
    });
}

;// CONCATENATED MODULE: ./src/eval/progress.ts


class Progress {
    o;
    done = 0;
    reporter;
    constructor(o) {
        this.o = o;
        this.reporter = new progress_Progress({
            label: o.label ?? 'eval',
            unit: 'items',
            total: o.total,
            logger: o.logger,
            intervalMs: o.everyMs ?? 5000,
            now: o.now,
            tty: o.tty,
            stream: o.stream,
            text: (_done, _total, elapsed) => this.text(elapsed),
            closing: (_done, elapsed) => this.text(elapsed),
        });
    }
    start() {
        this.reporter.start();
    }
    tick() {
        this.done++;
        this.reporter.update(this.done);
    }
    stop() {
        this.reporter.finish();
    }
    line() {
        return this.reporter.line();
    }
    text(elapsedMs) {
        const { total, counts } = this.o;
        const elapsed = Math.max(1, elapsedMs);
        const rate = (this.done / elapsed) * 1000;
        const pct = total ? Math.floor((this.done / total) * 100) : 100;
        const head = `${this.o.label ?? 'eval'} ${this.done}/${total} (${pct}%) · ${counts.pass} pass, ${counts.fail} fail, ${counts.error} error`;
        if (this.done >= total)
            return `${head} · done in ${(0,logger/* formatDuration */.a3)(elapsed)}`;
        if (this.done === 0)
            return `${head} · ${(0,logger/* formatDuration */.a3)(elapsed)} elapsed, waiting for the first answer`;
        const eta = ((total - this.done) / this.done) * elapsed;
        return `${head} · ${rate.toFixed(rate < 10 ? 1 : 0)} runs/s · ETA ${(0,logger/* formatDuration */.a3)(eta)}`;
    }
}

;// CONCATENATED MODULE: ./src/eval/retrieval-metrics.ts
/**
 * Rank-aware retrieval metrics with binary relevance. Three rules the anchors got wrong
 * (ANCHORS.md, "Eval gate") are fixed here and pinned by tests:
 * - retrieved ids are de-duplicated first (keeping the first rank), so a repeated relevant
 *   id can never push recall or nDCG above 1 (llama_index PR #22683);
 * - IDCG@k sums over min(k, |R|) positions, not over the retrieved length (llama_index#17070);
 * - k stays k when fewer than k ids come back: precision@k divides by k (mlflow#24541).
 * When a case has no relevant ids the metrics are undefined (`null`) and are left out of
 * means, instead of counting as 0 or 1.
 */
/** Keeps the first occurrence of every id, in order. */
function dedupe(ids) {
    const seen = new Set();
    const out = [];
    for (const id of ids) {
        if (seen.has(id))
            continue;
        seen.add(id);
        out.push(id);
    }
    return out;
}
function checkK(k) {
    if (!Number.isInteger(k) || k < 1)
        throw new RangeError(`k must be a whole number ≥ 1, got ${k}`);
}
/** The top-k after de-duplication. */
function topK(retrieved, k) {
    checkK(k);
    return dedupe(retrieved).slice(0, k);
}
function hitAtK(retrieved, relevant, k) {
    const rel = new Set(relevant);
    if (rel.size === 0)
        return null;
    return topK(retrieved, k).some((id) => rel.has(id)) ? 1 : 0;
}
function recallAtK(retrieved, relevant, k) {
    const rel = new Set(relevant);
    if (rel.size === 0)
        return null;
    return topK(retrieved, k).filter((id) => rel.has(id)).length / rel.size;
}
/** |L_k ∩ R| / k: k is fixed even when fewer than k ids were retrieved. */
function precisionAtK(retrieved, relevant, k) {
    const rel = new Set(relevant);
    if (rel.size === 0)
        return null;
    return topK(retrieved, k).filter((id) => rel.has(id)).length / k;
}
/** 1 / rank of the first relevant id within the top k (0 when none); MRR is its mean. */
function reciprocalRankAtK(retrieved, relevant, k) {
    const rel = new Set(relevant);
    if (rel.size === 0)
        return null;
    const at = topK(retrieved, k).findIndex((id) => rel.has(id));
    return at < 0 ? 0 : 1 / (at + 1);
}
/** DCG@k / IDCG@k with DCG = Σ rel_i / log2(i + 1) and IDCG over min(k, |R|) positions. */
function ndcgAtK(retrieved, relevant, k) {
    const rel = new Set(relevant);
    if (rel.size === 0)
        return null;
    const list = topK(retrieved, k);
    let dcg = 0;
    list.forEach((id, i) => {
        if (rel.has(id))
            dcg += 1 / Math.log2(i + 2);
    });
    let idcg = 0;
    for (let i = 0; i < Math.min(k, rel.size); i++)
        idcg += 1 / Math.log2(i + 2);
    return dcg / idcg;
}
function retrievalScores(retrieved, relevant, k) {
    return {
        hit: hitAtK(retrieved, relevant, k),
        recall: recallAtK(retrieved, relevant, k),
        precision: precisionAtK(retrieved, relevant, k),
        mrr: reciprocalRankAtK(retrieved, relevant, k),
        ndcg: ndcgAtK(retrieved, relevant, k),
    };
}

;// CONCATENATED MODULE: ./src/eval/runner.ts










/** Deterministic per-case metrics from a target response. */
function scoreResponse(c, r, suite) {
    const wanted = suite.config.metrics;
    const k = suite.config.retrieval.k;
    const ret = retrievalScores(r.sources, c.relevant_sources, k);
    const ref = c.reference;
    const all = {
        'hit@k': ret.hit,
        'recall@k': ret.recall,
        'precision@k': ret.precision,
        mrr: ret.mrr,
        'ndcg@k': ret.ndcg,
        exact_match: ref ? exactMatch(r.answer, ref) : null,
        normalized_match: ref ? normalizedMatch(r.answer, ref) : null,
        contains: c.must_contain.length ? containsAll(r.answer, c.must_contain) : null,
        regex: c.must_match !== undefined ? regexMatch(r.answer, c.must_match) : null,
        token_f1: ref ? tokenF1(r.answer, ref) : null,
        rouge_l: ref ? rougeL(r.answer, ref) : null,
    };
    const out = {};
    for (const name of Object.keys(wanted))
        if (!eval_suite/* JUDGE_METRICS */.et.includes(name))
            out[name] = all[name] ?? null;
    return out;
}
/** Runs every case (× repeats) of the suite's shard, streaming one JSON line per run. */
async function runSuite(options) {
    const { suite, target, judge, cache, logger } = options;
    const cfg = suite.config;
    const shard = options.shard ?? { index: 1, count: 1 };
    const concurrency = options.concurrency ?? cfg.run.concurrency;
    const started = performance.now();
    const { write, close } = jsonl_writer_jsonLinesWriter(options.resultsPath);
    const meta = {
        type: 'meta',
        suite: cfg.name,
        suiteHash: suite.suiteHash,
        configHash: suite.configHash,
        shard,
        target: target.label,
        k: cfg.retrieval.k,
        repeats: cfg.run.repeats,
        minPasses: cfg.run.min_passes,
        startedAt: new Date().toISOString(),
        labels: options.labels ?? {},
    };
    await write(meta);
    const targetLimiter = new AdaptiveLimiter(concurrency);
    const judgeLimiter = new AdaptiveLimiter(concurrency);
    const retry = { maxRetries: cfg.run.max_retries, maxBackoffMs: cfg.run.max_backoff_ms };
    const summary = {
        resultsPath: options.resultsPath,
        runs: 0,
        pass: 0,
        fail: 0,
        error: 0,
        cache: { hits: 0, misses: 0 },
        liveCalls: 0,
        throttled: 0,
        retries: 0,
        durationMs: 0,
        costUsd: 0,
        liveCostUsd: 0,
    };
    const judgeMetrics = eval_suite/* JUDGE_METRICS */.et.filter((m) => cfg.metrics[m]);
    async function* jobs() {
        for await (const c of (0,eval_suite/* readCases */.k0)(suite.casesPath)) {
            if (!(0,eval_suite/* inShard */.Iw)(c.id, shard))
                continue;
            for (let repeat = 0; repeat < cfg.run.repeats; repeat++)
                yield { c, repeat };
        }
    }
    async function runOne(c, repeat) {
        const record = {
            type: 'run',
            id: c.id,
            caseHash: (0,eval_suite/* caseHash */.TV)(c),
            repeat,
            tags: c.tags,
            outcome: 'error',
            metrics: {},
            failed: [],
            latencyMs: 0,
            promptTokens: 0,
            completionTokens: 0,
            costUsd: 0,
            liveCostUsd: 0,
            cached: false,
            liveCalls: 0,
        };
        // The repeat index is in the key: each repeat is a fresh sample, not the first one replayed (promptfoo#360).
        const tKey = (0,eval_cache.cacheKey)({
            kind: 'target',
            target: target.identity,
            question: c.question,
            vars: c.vars,
            id: c.id,
            repeat,
        });
        let response;
        // Without a version identity an answer cannot be tied to the app that gave it: never reused.
        const hit = target.reusable ? await cache.get(tKey) : undefined;
        if (hit !== undefined) {
            const saved = JSON.parse(hit);
            response = saved.response;
            record.latencyMs = saved.latencyMs;
            record.cached = true;
            summary.cache.hits++;
        }
        else {
            summary.cache.misses++;
            let attemptMs = 0;
            try {
                const r = await targetLimiter.run(async () => {
                    record.liveCalls++;
                    const t0 = performance.now();
                    const v = await target.call(c);
                    attemptMs = performance.now() - t0;
                    return v;
                }, retry);
                response = r.value;
            }
            catch (err) {
                record.error = `target: ${(0,errors/* errorMessage */.gJ)(err)}`;
                return record;
            }
            record.latencyMs = Math.round(attemptMs);
            record.liveCostUsd += response.costUsd;
            if (target.reusable)
                await cache.put(tKey, JSON.stringify({ response, latencyMs: record.latencyMs }));
        }
        record.answer = response.answer;
        record.sources = response.sources;
        record.promptTokens = response.promptTokens;
        record.completionTokens = response.completionTokens;
        record.costUsd = response.costUsd;
        record.metrics = scoreResponse(c, response, suite);
        if (judge) {
            for (const metric of judgeMetrics) {
                const input = { question: c.question, answer: response.answer, contexts: response.contexts };
                const jKey = (0,eval_cache.cacheKey)({ kind: 'judge', metric, params: judge.params, ...input, repeat });
                const jHit = await cache.get(jKey);
                let score;
                if (jHit !== undefined) {
                    const saved = JSON.parse(jHit);
                    score = saved.score;
                    // Full price counts the judge call a cached verdict once cost (live cost: nothing).
                    record.promptTokens += saved.promptTokens ?? 0;
                    record.completionTokens += saved.completionTokens ?? 0;
                    record.costUsd += saved.costUsd ?? 0;
                    summary.cache.hits++;
                }
                else {
                    summary.cache.misses++;
                    try {
                        const r = await judgeLimiter.run(() => {
                            record.liveCalls++;
                            return judge.rate(metric, input);
                        }, retry);
                        score = r.value.verdict.score;
                        record.promptTokens += r.value.promptTokens;
                        record.completionTokens += r.value.completionTokens;
                        record.costUsd += r.value.costUsd;
                        record.liveCostUsd += r.value.costUsd;
                        await cache.put(jKey, JSON.stringify({
                            score,
                            reason: r.value.verdict.reason,
                            promptTokens: r.value.promptTokens,
                            completionTokens: r.value.completionTokens,
                            costUsd: r.value.costUsd,
                        }));
                    }
                    catch (err) {
                        // The judge's failure is this metric's error: the case's deterministic metrics stand.
                        const reason = `${err instanceof JudgeOutputError ? 'judge output' : 'judge'} (${metric}): ${(0,errors/* errorMessage */.gJ)(err)}`;
                        record.error = record.error ? `${record.error}; ${reason}` : reason;
                        record.metricErrors = [...(record.metricErrors ?? []), metric];
                        record.metrics[metric] = null;
                        continue;
                    }
                }
                record.metrics[metric] = score;
            }
        }
        const asserts = [...cfg.assert, ...c.assert];
        if (asserts.length) {
            const rubric = judge
                ? async (text) => {
                    const input = { question: c.question, answer: response.answer, contexts: [], rubric: text };
                    const key = (0,eval_cache.cacheKey)({
                        kind: 'judge',
                        metric: 'llm-rubric',
                        params: judge.params,
                        ...input,
                        repeat,
                    });
                    const saved = await cache.get(key);
                    if (saved !== undefined) {
                        const v = JSON.parse(saved);
                        record.costUsd += v.costUsd ?? 0;
                        summary.cache.hits++;
                        return v;
                    }
                    summary.cache.misses++;
                    const r = await judgeLimiter.run(() => {
                        record.liveCalls++;
                        return judge.rate('llm-rubric', input);
                    }, retry);
                    record.promptTokens += r.value.promptTokens;
                    record.completionTokens += r.value.completionTokens;
                    record.costUsd += r.value.costUsd;
                    record.liveCostUsd += r.value.costUsd;
                    const v = { ...r.value.verdict, costUsd: r.value.costUsd };
                    await cache.put(key, JSON.stringify(v));
                    return v;
                }
                : undefined;
            record.assertions = [];
            for (const a of asserts) {
                const r = await (0,assertions/* evaluateAssertion */.o2)(a, {
                    output: response.answer,
                    sources: response.sources,
                    latencyMs: record.latencyMs,
                    costUsd: record.costUsd,
                    case: c,
                    suitePath: suite.path,
                    rubric,
                });
                record.assertions.push(r);
                if (r.error) {
                    const reason = `assert ${a.type}: ${r.error}`;
                    record.error = record.error ? `${record.error}; ${reason}` : reason;
                    record.metricErrors = [...(record.metricErrors ?? []), `assert:${a.type}`];
                }
                else if (!r.pass && !record.failed.includes(`assert:${a.type}`))
                    record.failed.push(`assert:${a.type}`);
            }
        }
        for (const [name, spec] of Object.entries(cfg.metrics)) {
            const v = record.metrics[name];
            if (spec.case_min !== undefined && v !== null && v !== undefined && v < spec.case_min)
                record.failed.push(name);
        }
        // A deterministic failure decides the case; otherwise an errored judge metric leaves it open.
        record.outcome = record.failed.length ? 'fail' : record.metricErrors ? 'error' : 'pass';
        return record;
    }
    let total = 0;
    for await (const c of (0,eval_suite/* readCases */.k0)(suite.casesPath))
        if ((0,eval_suite/* inShard */.Iw)(c.id, shard))
            total += cfg.run.repeats;
    const progress = new Progress({
        total,
        logger,
        counts: summary,
        label: options.labels?.side === 'baseline' ? 'eval baseline' : 'eval',
        everyMs: options.progressEveryMs,
    });
    const source = jobs();
    const worker = async () => {
        for (;;) {
            const next = await source.next();
            if (next.done)
                return;
            const { c, repeat } = next.value;
            const record = await runOne(c, repeat);
            summary.runs++;
            summary[record.outcome]++;
            summary.liveCalls += record.liveCalls;
            summary.costUsd += record.costUsd;
            summary.liveCostUsd += record.liveCostUsd;
            await write(record);
            progress.tick();
        }
    };
    progress.start();
    try {
        await Promise.all(Array.from({ length: concurrency }, worker));
    }
    finally {
        progress.stop();
        await close();
    }
    summary.throttled = targetLimiter.stats.throttled + judgeLimiter.stats.throttled;
    summary.retries = targetLimiter.stats.retries + judgeLimiter.stats.retries;
    summary.durationMs = Math.round(performance.now() - started);
    return summary;
}

// EXTERNAL MODULE: external "node:url"
var external_node_url_ = __webpack_require__(3136);
;// CONCATENATED MODULE: ./src/eval/target.ts





/** A permanent target failure (4xx other than 429, bad response): counted as an error, not retried. */
class TargetError extends Error {
    name = 'TargetError';
}
/** Dotted path with `[n]` indexes: `usage.prompt_tokens`, `data[0].text`. */
function getPath(value, path) {
    let cur = value;
    for (const part of path.split('.').flatMap((p) => p.split(/\[(\d+)\]/).filter(Boolean))) {
        if (cur === null || cur === undefined)
            return undefined;
        cur =
            /^\d+$/.test(part) && Array.isArray(cur) ? cur[Number(part)] : cur[part];
    }
    return cur;
}
/** Fills "{{question}}", "{{id}}", "{{vars.NAME}}" in a JSON template; a whole-string placeholder keeps the value's type. */
function fillTemplate(template, c) {
    const lookup = (key) => key.startsWith('vars.') ? c.vars[key.slice(5)] : c[key];
    if (typeof template === 'string') {
        const whole = /^\{\{\s*([\w.]+)\s*\}\}$/.exec(template);
        if (whole)
            return lookup(whole[1]);
        return template.replace(/\{\{\s*([\w.]+)\s*\}\}/g, (_m, key) => String(lookup(key) ?? ''));
    }
    if (Array.isArray(template))
        return template.map((t) => fillTemplate(t, c));
    if (template && typeof template === 'object') {
        return Object.fromEntries(Object.entries(template).map(([k, v]) => [k, fillTemplate(v, c)]));
    }
    return template;
}
function num(v) {
    return typeof v === 'number' && Number.isFinite(v) ? v : 0;
}
function normaliseResponse(raw, map) {
    const answer = getPath(raw, map.answer);
    if (typeof answer !== 'string')
        throw new TargetError(`response has no string at \`${map.answer}\``);
    const list = getPath(raw, map.sources);
    const sources = [];
    const contexts = [];
    if (Array.isArray(list)) {
        for (const s of list) {
            if (typeof s === 'string')
                sources.push(s);
            else if (s && typeof s === 'object') {
                const id = getPath(s, map.source_id);
                if (typeof id === 'string')
                    sources.push(id);
                const text = getPath(s, map.source_text);
                if (typeof text === 'string')
                    contexts.push(text);
            }
        }
    }
    return {
        answer,
        sources,
        contexts,
        promptTokens: num(getPath(raw, map.prompt_tokens)),
        completionTokens: num(getPath(raw, map.completion_tokens)),
        costUsd: num(getPath(raw, map.cost_usd)),
    };
}
/** "fetch failed" says nothing: the cause (ECONNREFUSED 127.0.0.1:9, ENOTFOUND host) does. */
function fetchErrorMessage(err) {
    const e = err;
    const cause = e?.cause?.message ?? e?.cause?.code;
    const msg = e?.name === 'TimeoutError' ? 'timed out' : (e?.message ?? String(err));
    return cause && !msg.includes(cause) ? `${msg} (${cause})` : msg;
}
/**
 * One request before the run: an unreachable target fails in seconds with its cause instead
 * of every case retrying. Any HTTP answer (even 404/405) proves the app is listening.
 */
async function preflightHttp(method, url, doFetch = fetch, timeoutMs = 10_000) {
    try {
        const res = await doFetch(url, {
            method: method === 'GET' ? 'GET' : 'HEAD',
            signal: AbortSignal.timeout(timeoutMs),
        });
        await res.body?.cancel();
    }
    catch (err) {
        throw new errors/* ConfigError */.xL('target', `${url} is unreachable: ${fetchErrorMessage(err)} (preflight request, before any case ran)`, 'start the app first, or fix target.url in the suite / --target-url / the target-url input');
    }
}
async function createTarget(suite, overrides = {}) {
    const t = suite.config.target;
    const given = [t.identity, overrides.identity ?? ''].filter((v) => v !== '');
    const version = given.join('\n');
    const reusable = given.length > 0;
    if (t.type === 'http') {
        const url = overrides.url ?? t.url;
        const doFetch = overrides.fetch ?? fetch;
        const identity = (0,eval_suite/* sha256 */.sc)((0,eval_suite/* canonicalJson */.dj)({ type: 'http', url, method: t.method, body: t.body, version }));
        return {
            identity,
            reusable,
            label: `${t.method} ${url}`,
            preflight: () => preflightHttp(t.method, url, doFetch),
            async call(c) {
                let res;
                try {
                    res = await doFetch(url, {
                        method: t.method,
                        headers: { 'content-type': 'application/json', accept: 'application/json', ...t.headers },
                        body: t.method === 'GET' ? undefined : JSON.stringify(fillTemplate(t.body, c)),
                        signal: AbortSignal.timeout(t.timeout_ms),
                    });
                }
                catch (err) {
                    // Connection refused/reset and timeouts are worth a retry.
                    throw new RetryableError(`${t.method} ${url}: ${fetchErrorMessage(err)}`);
                }
                const text = await res.text();
                if (res.status === 429 || res.status >= 500) {
                    throw new RetryableError(`${t.method} ${url} answered ${res.status}`, res.status, parseRetryAfter(res.headers.get('retry-after')));
                }
                if (!res.ok)
                    throw new TargetError(`${t.method} ${url} answered ${res.status}: ${text.slice(0, 300)}`);
                let raw;
                try {
                    raw = JSON.parse(text);
                }
                catch {
                    throw new TargetError(`${t.method} ${url} answered non-JSON: ${text.slice(0, 200)}`);
                }
                return normaliseResponse(raw, t.response);
            },
        };
    }
    const modPath = (0,external_node_path_.isAbsolute)(t.path) ? t.path : (0,external_node_path_.resolve)(suite.path, '..', t.path);
    let mod;
    try {
        mod = await __webpack_require__(9062)((0,external_node_url_.pathToFileURL)(modPath).href);
    }
    catch (err) {
        throw new errors/* ConfigError */.xL(`${suite.path} target.path`, `cannot import ${modPath}: ${err.message}`, 'give a JS module path relative to the suite file');
    }
    const fn = mod[t.export];
    if (typeof fn !== 'function')
        throw new errors/* ConfigError */.xL(`${suite.path} target.export`, `${modPath} has no function export \`${t.export}\``, 'export an async function (case) => result');
    const identity = (0,eval_suite/* sha256 */.sc)((0,eval_suite/* canonicalJson */.dj)({ type: 'module', path: modPath, export: t.export, version }));
    const map = {
        answer: 'answer',
        sources: 'sources',
        source_id: 'id',
        source_text: 'text',
        prompt_tokens: 'usage.prompt_tokens',
        completion_tokens: 'usage.completion_tokens',
        cost_usd: 'cost_usd',
    };
    return {
        identity,
        reusable,
        label: `${modPath}#${t.export}`,
        async call(c) {
            let timer;
            try {
                const raw = await Promise.race([
                    fn(c),
                    new Promise((_r, reject) => {
                        timer = setTimeout(() => reject(new RetryableError(`timed out after ${t.timeout_ms} ms`)), t.timeout_ms);
                    }),
                ]);
                return normaliseResponse(raw, map);
            }
            finally {
                // A pending timer per case would keep every case's closure alive until it fires.
                clearTimeout(timer);
            }
        },
    };
}

;// CONCATENATED MODULE: ./src/eval/gate.ts












/** Runs the suite on the head, finds main's baseline, compares paired by case, writes the reports. */
async function runEvalGate(inputs, ports) {
    const { logger } = ports;
    const env = inputs.env ?? process.env;
    if (inputs.concurrency !== undefined &&
        !(Number.isInteger(inputs.concurrency) && inputs.concurrency >= 1 && inputs.concurrency <= 256))
        throw new errors/* ConfigError */.xL('--concurrency (input concurrency)', `${JSON.stringify(String(inputs.concurrency))} is not a whole number from 1 to 256`, "e.g. --concurrency 8, or leave it out for the suite's run.concurrency");
    const suite = (0,eval_suite/* loadSuite */.bu)(inputs.suitePath, env);
    const outDir = (0,external_node_path_.resolve)(inputs.outDir);
    const count = await (0,eval_suite/* validateCases */.Ej)(suite.casesPath, inputs.suitePath.replace(/[^/]+$/, suite.config.cases));
    logger.info(`suite ${suite.config.name}: ${count} cases, suite ${suite.suiteHash.slice(0, 12)}, config ${suite.configHash.slice(0, 12)}`);
    const judge = suite.config.judge
        ? createJudge(suite.config.judge, inputs.judgeApiKey ?? env[suite.config.judge.api_key_env], inputs.fetch)
        : undefined;
    const headTarget = await createTarget(suite, {
        url: inputs.targetUrl,
        identity: inputs.identity ?? (inputs.headSha === 'local' ? undefined : inputs.headSha),
        fetch: inputs.fetch,
    });
    if (!headTarget.reusable)
        logger.warn('no target identity (suite `identity:`, --identity or a git sha): every case calls the target, no cached answer is reused');
    await headTarget.preflight?.();
    const resultsPath = (0,external_node_path_.join)(outDir, inputs.shard && inputs.shard.count > 1
        ? `results-head-${inputs.shard.index}-of-${inputs.shard.count}.jsonl`
        : 'results-head.jsonl');
    const run = await logger.group(`evaluate ${headTarget.label}`, () => runSuite({
        suite,
        target: headTarget,
        judge,
        cache: ports.cache,
        resultsPath,
        logger,
        shard: inputs.shard,
        concurrency: inputs.concurrency,
        labels: { sha: inputs.headSha, side: 'head' },
    }));
    logger.info(`${run.runs} runs: ${run.pass} pass, ${run.fail} fail, ${run.error} error; cache ${run.cache.hits}/${run.cache.hits + run.cache.misses}; ${run.liveCalls} live calls`);
    let baselineArtifact;
    if (inputs.saveBaseline) {
        const key = (0,baseline/* baselineKey */.x2)(suite.config.name, inputs.headSha, suite.configHash);
        baselineArtifact = (0,baseline/* baselineArtifactName */.hF)(key);
        await ports.baselines.save(key, resultsPath);
        logger.info(`stored as the baseline ${key} (${ports.baselines.description})`);
    }
    let basePath = inputs.baselineResults;
    let baselineSource = basePath ? `results file ${basePath}` : 'none';
    if (!basePath && inputs.baseSha) {
        const key = (0,baseline/* baselineKey */.x2)(suite.config.name, inputs.baseSha, suite.configHash);
        basePath = await ports.baselines.load(key);
        if (basePath)
            baselineSource = `main ${inputs.baseSha.slice(0, 7)} (stored ${key})`;
        else if (inputs.baselineUrl) {
            logger.info(`no stored baseline ${key}: evaluating the merge-base app at ${inputs.baselineUrl}`);
            const baseTarget = await createTarget(suite, {
                url: inputs.baselineUrl,
                identity: inputs.baseSha,
                fetch: inputs.fetch,
            });
            await baseTarget.preflight?.();
            basePath = (0,external_node_path_.join)(outDir, 'results-base.jsonl');
            await logger.group(`evaluate baseline ${baseTarget.label}`, () => runSuite({
                suite,
                target: baseTarget,
                judge,
                cache: ports.cache,
                resultsPath: basePath,
                logger,
                concurrency: inputs.concurrency,
                labels: { sha: inputs.baseSha, side: 'baseline' },
            }));
            baselineSource = `merge-base ${inputs.baseSha.slice(0, 7)} evaluated now (${inputs.baselineUrl})`;
        }
        else {
            logger.warn(`no baseline stored for main ${inputs.baseSha.slice(0, 7)} (key ${key}) and no baseline URL: absolute thresholds only`);
            baselineSource = `none stored for ${inputs.baseSha.slice(0, 7)}`;
        }
    }
    const head = await loadResults(resultsPath);
    const base = basePath ? await loadResults(basePath) : undefined;
    const comparison = (0,compare/* compareResults */.ex)(head, base, suite.config);
    const listed = new Set([...comparison.regressedCases, ...comparison.newErrors].slice(0, 30));
    const shown = new Set([...comparison.regressedCases, ...comparison.newErrors, ...comparison.improvedCases].slice(0, 500));
    const headShown = await runsFor(resultsPath, shown);
    const baseShown = basePath ? await runsFor(basePath, shown) : new Map();
    const markdown = (0,report/* renderMarkdown */.Gc)({
        comparison,
        run,
        headRuns: new Map([...headShown].filter(([id]) => listed.has(id))),
        baseRuns: new Map([...baseShown].filter(([id]) => listed.has(id))),
        baselineSource,
        savedAsBaseline: inputs.saveBaseline,
        runUrl: inputs.runUrl,
        reportArtifact: inputs.reportArtifact,
    });
    const reportPath = (0,external_node_path_.join)(outDir, 'report.md');
    const jsonPath = (0,external_node_path_.join)(outDir, 'report.json');
    const htmlPath = (0,external_node_path_.join)(outDir, 'report.html');
    await (0,promises_.writeFile)(htmlPath, renderHtml({
        comparison,
        head,
        base,
        headRuns: headShown,
        baseRuns: baseShown,
        baselineSource,
        runUrl: inputs.runUrl,
    }));
    const junitPath = (0,external_node_path_.join)(outDir, 'junit.xml');
    await (0,promises_.writeFile)(reportPath, markdown);
    await (0,promises_.writeFile)(jsonPath, `${JSON.stringify({ suiteHash: suite.suiteHash, configHash: suite.configHash, headSha: inputs.headSha, baseSha: inputs.baseSha ?? null, baselineSource, run, ...comparison }, null, 2)}\n`);
    await (0,promises_.writeFile)(junitPath, (0,report/* renderJUnit */.dB)(suite.config.name, head.cases.values()));
    logger.info(`gate ${comparison.gate.headline}`);
    return {
        comparison,
        run,
        markdown,
        reportPath,
        htmlPath,
        jsonPath,
        junitPath,
        resultsPath,
        baselineSource,
        baselineArtifact,
        passed: comparison.gate.passed,
        regressions: comparison.regressedCases.length + comparison.newErrors.length,
    };
}


/***/ })

};
