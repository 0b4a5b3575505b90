import { dirname as __ragshipDirname } from 'node:path';
import { fileURLToPath as __ragshipFileURLToPath } from 'node:url';
const __filename = __ragshipFileURLToPath(import.meta.url);
const __dirname = __ragshipDirname(__filename);
export const id = 804;
export const ids = [804];
export const modules = {

/***/ 9804:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   listPullRequestFiles: () => (/* binding */ listPullRequestFiles)
/* harmony export */ });
async function listPullRequestFiles(o) {
    const doFetch = o.fetch ?? globalThis.fetch;
    const api = o.apiUrl.replace(/\/+$/, '');
    const files = [];
    for (let page = 1; page <= 30; page++) {
        const url = `${api}/repos/${o.owner}/${o.repo}/pulls/${o.number}/files?per_page=100&page=${page}`;
        const res = await doFetch(url, {
            headers: {
                accept: 'application/vnd.github+json',
                authorization: `Bearer ${o.token}`,
                'x-github-api-version': '2022-11-28',
                'user-agent': 'ragship-eval-gate',
            },
            signal: AbortSignal.timeout(30_000),
        });
        if (!res.ok) {
            const hint = res.status === 403 || res.status === 404 ? ' (the token needs `pull-requests: read`)' : '';
            throw new Error(`GET ${url.replace(/\?.*$/, '')}: HTTP ${res.status}${hint}`);
        }
        const batch = (await res.json());
        for (const f of batch) {
            files.push(f.filename);
            if (f.previous_filename)
                files.push(f.previous_filename);
        }
        if (batch.length < 100)
            return files;
    }
    // 30 full pages: GitHub stops listing at 3000 files, so a relevant one may be missing.
    throw new Error('the pull request changes 3000 files or more, more than the REST API lists');
}


/***/ })

};
