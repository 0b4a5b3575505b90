import { dirname as __ragshipDirname } from 'node:path';
import { fileURLToPath as __ragshipFileURLToPath } from 'node:url';
const __filename = __ragshipFileURLToPath(import.meta.url);
const __dirname = __ragshipDirname(__filename);
export const id = 685;
export const ids = [685];
export const modules = {

/***/ 1685:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

__webpack_require__.r(__webpack_exports__);
/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   upsertPrComment: () => (/* binding */ upsertPrComment)
/* harmony export */ });
/* harmony import */ var _actions_github__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(2413);

async function upsertPrComment(o) {
    const body = o.body.includes(o.marker) ? o.body : `${o.marker}\n${o.body}`;
    const octokit = (0,_actions_github__WEBPACK_IMPORTED_MODULE_0__/* .getOctokit */ .Q)(o.token, o.baseUrl ? { baseUrl: o.baseUrl.replace(/\/+$/, '') } : {});
    const comments = await octokit.paginate(octokit.rest.issues.listComments, {
        owner: o.owner,
        repo: o.repo,
        issue_number: o.issueNumber,
        per_page: 100,
    });
    const existing = comments.find((c) => typeof c.body === 'string' && c.body.includes(o.marker));
    if (existing) {
        const r = await octokit.rest.issues.updateComment({
            owner: o.owner,
            repo: o.repo,
            comment_id: existing.id,
            body,
        });
        return { action: 'updated', id: r.data.id, url: r.data.html_url };
    }
    const r = await octokit.rest.issues.createComment({
        owner: o.owner,
        repo: o.repo,
        issue_number: o.issueNumber,
        body,
    });
    return { action: 'created', id: r.data.id, url: r.data.html_url };
}


/***/ })

};
