import { dirname as __ragshipDirname } from 'node:path';
import { fileURLToPath as __ragshipFileURLToPath } from 'node:url';
const __filename = __ragshipFileURLToPath(import.meta.url);
const __dirname = __ragshipDirname(__filename);
export const id = 639;
export const ids = [639];
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

/***/ 5639:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

// ESM COMPAT FLAG
__webpack_require__.r(__webpack_exports__);

// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  ArtifactBaselineStore: () => (/* binding */ ArtifactBaselineStore)
});

// EXTERNAL MODULE: external "node:fs/promises"
var promises_ = __webpack_require__(1455);
// EXTERNAL MODULE: external "node:path"
var external_node_path_ = __webpack_require__(6760);
// EXTERNAL MODULE: ./src/eval/baseline.ts
var baseline = __webpack_require__(6671);
// EXTERNAL MODULE: ./node_modules/adm-zip/adm-zip.js
var adm_zip = __webpack_require__(1316);
var adm_zip_default = /*#__PURE__*/__webpack_require__.n(adm_zip);
;// CONCATENATED MODULE: ./src/eval/zip.ts

/**
 * Reads the files of a ZIP archive (what GitHub's artifact download returns) into memory.
 * adm-zip takes sizes from the central directory, so archives written with data descriptors
 * (actions/upload-artifact streams them) read correctly.
 */
function readZip(buf) {
    let zip;
    try {
        zip = new (adm_zip_default())(buf);
    }
    catch (err) {
        throw new Error(`not a ZIP file: ${err.message}`);
    }
    const files = new Map();
    for (const entry of zip.getEntries()) {
        if (entry.isDirectory)
            continue;
        files.set(entry.entryName, entry.getData());
    }
    return files;
}

;// CONCATENATED MODULE: ./src/github/eval-artifacts.ts




class ArtifactBaselineStore {
    o;
    fetch;
    constructor(o) {
        this.o = o;
        this.fetch = o.fetch ?? globalThis.fetch;
    }
    get description() {
        return `workflow artifact of a run on ${this.o.defaultBranch}${this.o.fast ? `, ${this.o.fast.description} first` : ''}`;
    }
    async load(key) {
        const cached = await this.o.fast?.load(key);
        if (cached) {
            this.o.logger.info(`baseline ${key}: ${this.o.fast.description}`);
            return cached;
        }
        if (!this.o.token) {
            this.o.logger.warn(`baseline ${key}: no github-token to look for main's artifact`);
            return undefined;
        }
        const name = (0,baseline/* baselineArtifactName */.hF)(key);
        const api = this.o.apiUrl.replace(/\/+$/, '');
        try {
            const list = await this.get(`${api}/repos/${this.o.owner}/${this.o.repo}/actions/artifacts?name=${encodeURIComponent(name)}&per_page=100`, 'application/vnd.github+json');
            const body = (await list.json());
            const found = (body.artifacts ?? [])
                .filter((a) => a.name === name && !a.expired && this.fromDefaultBranch(a))
                .sort((a, b) => (b.created_at ?? '').localeCompare(a.created_at ?? ''))[0];
            if (!found) {
                this.o.logger.info(`baseline ${key}: no artifact of that name from a run on ${this.o.defaultBranch}`);
                return undefined;
            }
            const zip = await this.get(found.archive_download_url ??
                `${api}/repos/${this.o.owner}/${this.o.repo}/actions/artifacts/${found.id}/zip`, 'application/vnd.github+json');
            const files = readZip(Buffer.from(await zip.arrayBuffer()));
            const entry = [...files].find(([n]) => /(^|\/)results[^/]*\.jsonl$/.test(n));
            if (!entry)
                throw new Error(`artifact ${name} (id ${found.id}) has no results*.jsonl file`);
            const folder = (0,external_node_path_.join)(this.o.dir, key);
            await (0,promises_.mkdir)(folder, { recursive: true });
            const file = (0,external_node_path_.join)(folder, 'results.jsonl');
            await (0,promises_.writeFile)(file, entry[1]);
            this.o.logger.info(`baseline ${key}: artifact ${found.id} of run ${found.workflow_run?.id ?? '?'} on ${this.o.defaultBranch}`);
            return file;
        }
        catch (err) {
            this.o.logger.warn(`baseline ${key}: could not read main's artifact: ${err.message}`);
            return undefined;
        }
    }
    /** The cache copy; the artifact itself is uploaded by the workflow step after the action. */
    async save(key, resultsPath) {
        await this.o.fast?.save(key, resultsPath);
    }
    fromDefaultBranch(a) {
        const run = a.workflow_run;
        if (!run || run.head_branch !== this.o.defaultBranch)
            return false;
        // A fork's pull request runs in this repository with head_repository_id = the fork.
        return run.head_repository_id === undefined || run.head_repository_id === run.repository_id;
    }
    async get(url, accept) {
        const res = await this.fetch(url, {
            headers: {
                accept,
                authorization: `Bearer ${this.o.token}`,
                'x-github-api-version': '2022-11-28',
                'user-agent': 'ragship-eval-gate',
            },
            redirect: 'follow',
            signal: AbortSignal.timeout(60_000),
        });
        if (!res.ok) {
            const text = (await res.text().catch(() => '')).slice(0, 200);
            const hint = res.status === 403 || res.status === 404 ? ' (the token needs `actions: read`)' : '';
            throw new Error(`GET ${url.replace(/\?.*$/, '')}: HTTP ${res.status} ${text}${hint}`);
        }
        return res;
    }
}


/***/ })

};
